using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Maintenance;

// An app of its own: membership changes are the whole cluster's state, and the other collections' answers must not
// name epochs they did not make.
public sealed class MaintenanceFixture : ClusterFixture;

[CollectionDefinition(Name)]
public sealed class MaintenanceCollection : ICollectionFixture<MaintenanceFixture>
{
    public const string Name = "maintenance (3 nodes, garnet, membership changes)";
}
