using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Node;

[Collection(ClusterCollection.Name)]
public sealed class StorePersistenceTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Groups_survive_a_restart_of_the_nodes_store()
    {
        var id = $"p-{Guid.NewGuid():N}";
        var node = cluster.Node("node2");
        Assert.Equal(HttpStatusCode.Created, (await node.PostGroupAsync(id)).StatusCode);

        await cluster.StopAsync("store2");
        await cluster.StartAsync("store2");
        await cluster.App.ResourceNotifications.WaitForResourceHealthyAsync("node2").WaitAsync(Wait.Resource);

        // The node's connection comes back by itself; poll until it answers from the restarted store.
        await Wait.UntilAsync(async () => (await node.GetAsync($"/v1/group/{id}/")).StatusCode == HttpStatusCode.OK,
            Wait.Resource, $"{id} readable on node2 after its store restarted");
    }
}
