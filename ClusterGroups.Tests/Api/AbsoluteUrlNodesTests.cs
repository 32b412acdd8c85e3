using ClusterGroups.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ClusterGroups.Tests.Api;

// The Api run on its own (in-process here), pointed at nodes by absolute URL, as a user points it at nodes that are
// not ours: it works the same. (Any type of the Api assembly names its entry point.)
[Collection(ClusterCollection.Name)]
public sealed class AbsoluteUrlNodesTests(ClusterFixture cluster)
{
    [Fact]
    public async Task An_api_given_node_urls_creates_and_deletes_on_every_node()
    {
        await using var factory = new WebApplicationFactory<ClusterGroups.Api.FanOut.FanOutProtocol>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Cluster:Key", cluster.ClusterKey);
            var i = 0;
            foreach (var node in cluster.NodeNames)
            {
                web.UseSetting($"Cluster:Nodes:{i++}", cluster.NodeUri(node).ToString());
            }
        });
        var api = factory.CreateClient();
        var id = $"u-{Guid.NewGuid():N}";

        var created = await api.PostGroupAsync(id);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));

        var view = await (await api.GetAsync("/v1/cluster").WaitAsync(Wait.Request)).JsonAsync();
        Assert.All(view["nodes"]!.AsArray(), n => Assert.StartsWith("http://", n!["address"]!.GetValue<string>()));

        Assert.Equal(HttpStatusCode.OK, (await api.DeleteGroupAsync(id)).StatusCode);
        Assert.Empty(await cluster.WhereAsync(id));
    }
}
