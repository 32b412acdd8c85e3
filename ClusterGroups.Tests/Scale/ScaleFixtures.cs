using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Scale;

// Its own cluster: 200 000 groups per node would slow every other test's consistency check.
public class ScaleClusterFixture : ClusterFixture
{
    protected override void Configure(IDistributedApplicationTestingBuilder builder) =>
        // The test runs consistency and reconcile itself; a background round would race it for the same repairs.
        builder.CreateResourceBuilder<ProjectResource>("api").WithEnvironment("Cluster__Reconciler__Interval", "00:00:00");
}

[CollectionDefinition(Name)]
public sealed class ScaleCollection : ICollectionFixture<ScaleClusterFixture>
{
    public const string Name = "cluster (3 nodes, 200 000 groups each)";
}

// Four nodes, of which the Api is first given three: AddNode4Async restarts the Api with node4 in Cluster:Nodes (the
// AppHost's environment callbacks run again on a restart). Closed operations leave the journal after 2 s.
public sealed class GrowthClusterFixture : ClusterFixture
{
    public override int NodeCount => 4;

    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(2);

    private volatile bool _node4InApi;

    public IReadOnlyList<string> ApiNodes => _node4InApi ? ["node1", "node2", "node3", "node4"] : ["node1", "node2", "node3"];

    protected override void Configure(IDistributedApplicationTestingBuilder builder) =>
        builder.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Cluster__Reconciler__Interval", "00:00:00")
            .WithEnvironment("Cluster__Coordinator__ClosedRetention", Retention.ToString("c", System.Globalization.CultureInfo.InvariantCulture))
            // An Idempotency-Key outlives no journal entry (the Api refuses a window longer than the retention).
            .WithEnvironment("Cluster__Coordinator__IdempotencyKeyWindow", Retention.ToString("c", System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment(context =>
            {
                if (!_node4InApi)
                {
                    context.EnvironmentVariables.Remove("Cluster__Nodes__3");
                }
            });

    public async Task AddNode4Async()
    {
        if (_node4InApi)
        {
            return;
        }

        _node4InApi = true;
        await StopAsync("api");
        await StartAsync("api");
    }
}

[CollectionDefinition(Name)]
public sealed class GrowthCollection : ICollectionFixture<GrowthClusterFixture>
{
    public const string Name = "cluster (4 nodes, the Api given 3, short journal retention)";
}

// Stores filled behind the nodes' backs (a restore, a migration, data from before digests): their digests do not
// cover their data. Its own cluster: the digests it spoils would spoil every other test's consistency check.
public sealed class RestoredStoresFixture : ScaleClusterFixture;

[CollectionDefinition(Name)]
public sealed class RestoredStoresCollection : ICollectionFixture<RestoredStoresFixture>
{
    public const string Name = "cluster (3 nodes, 200 000 groups each written straight into the stores)";
}
