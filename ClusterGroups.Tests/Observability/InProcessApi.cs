using ClusterGroups.Api.FanOut;
using ClusterGroups.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ClusterGroups.Tests.Observability;

// An Api in this test process (the real wiring) on the cluster's nodes, with the test's own settings: its journal in
// memory unless a coordinator is given. Started before it is returned.
public static class InProcessApi
{
    public static WebApplicationFactory<FanOutProtocol> Start(
        ClusterFixture cluster, IReadOnlyDictionary<string, string> settings, Action<IWebHostBuilder>? configure = null)
    {
        var factory = new WebApplicationFactory<FanOutProtocol>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Cluster:Key", cluster.ClusterKey);
            web.UseSetting("Cluster:Reconciler:Interval", "00:00:00");
            var i = 0;
            foreach (var node in cluster.NodeNames)
            {
                web.UseSetting($"Cluster:Nodes:{i++}", cluster.NodeUri(node).ToString());
            }

            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }

            configure?.Invoke(web);
        });
        _ = factory.Server;
        return factory;
    }
}
