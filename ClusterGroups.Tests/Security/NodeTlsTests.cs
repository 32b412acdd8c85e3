using ClusterGroups.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ClusterGroups.Tests.Security;

// TLS to the nodes (README "TLS to the nodes"): the nodes serve HTTPS with a certificate signed by a CA made at test
// time. An Api that trusts that CA works over https; one that does not (another CA, or only the machine's store)
// refuses to talk to the nodes at all: nothing is written to a node it could not verify.
[Collection(SecureClusterCollection.Name)]
public sealed class NodeTlsTests(SecureClusterFixture cluster)
{
    [Fact]
    public async Task The_apphost_api_reaches_every_node_over_https()
    {
        var view = await (await cluster.Api().GetAsync("/v1/cluster").WaitAsync(Wait.Request)).JsonAsync();
        Assert.All(view["nodes"]!.AsArray(), n =>
        {
            Assert.StartsWith("https://", n!["address"]!.GetValue<string>());
            Assert.True(n["reachable"]!.GetValue<bool>(), n.ToJsonString());
        });

        var id = $"tls-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await cluster.Api().PostGroupAsync(id)).StatusCode);
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
    }

    [Fact]
    public async Task An_api_trusting_the_ca_bundle_creates_and_deletes_over_https()
    {
        await using var factory = ApiAgainstHttpsNodes(cluster.CaBundlePath);
        var api = factory.CreateClient();
        var id = $"tls-{Guid.NewGuid():N}";

        Assert.Equal(HttpStatusCode.Created, (await api.PostGroupAsync(id)).StatusCode);
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
        Assert.Equal(HttpStatusCode.OK, (await api.DeleteGroupAsync(id)).StatusCode);
        Assert.Empty(await cluster.WhereAsync(id));
    }

    [Fact]
    public async Task An_api_that_does_not_trust_the_node_certificates_writes_nothing()
    {
        using var otherCa = TestCa.Create("Some other CA");
        var otherBundle = Path.Combine(Path.GetTempPath(), $"other-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(otherBundle, otherCa.CertificatePem);
        try
        {
            // Another CA's bundle, and none at all (the machine's trust store, which does not hold the test CA).
            foreach (var bundle in new[] { otherBundle, null })
            {
                await using var factory = ApiAgainstHttpsNodes(bundle);
                var api = factory.CreateClient();
                var before = await cluster.SnapshotAsync();
                var id = $"tls-{Guid.NewGuid():N}";

                var response = await api.PostGroupAsync(id);

                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Empty(await cluster.WhereAsync(id));
                Assert.Equal(before, await cluster.SnapshotAsync());
                var view = await (await api.GetAsync("/v1/cluster").WaitAsync(Wait.Request)).JsonAsync();
                Assert.All(view["nodes"]!.AsArray(), n => Assert.False(n!["reachable"]!.GetValue<bool>(), n.ToJsonString()));
            }
        }
        finally
        {
            File.Delete(otherBundle);
        }
    }

    // The Api in-process, pointed at the nodes' https endpoints by URL, requiring https.
    private WebApplicationFactory<ClusterGroups.Api.FanOut.FanOutProtocol> ApiAgainstHttpsNodes(string? caBundle) =>
        new WebApplicationFactory<ClusterGroups.Api.FanOut.FanOutProtocol>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Cluster:Key", cluster.CurrentClusterKey);
            web.UseSetting("Cluster:Tls:RequireHttps", "true");
            web.UseSetting("Cluster:Resilience:AttemptTimeout", "00:00:01");
            web.UseSetting("Cluster:Resilience:BaseDelay", "00:00:00.050");
            if (caBundle is not null)
            {
                web.UseSetting("Cluster:Tls:CaBundle", caBundle);
            }

            var i = 0;
            foreach (var node in cluster.NodeNames)
            {
                web.UseSetting($"Cluster:Nodes:{i++}", cluster.NodeHttpsUri(node).ToString());
            }
        });
}
