using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Chaos;

// Its own cluster: chaos tests assert that the whole cluster is consistent, which other tests' node-level writes
// would spoil.
public sealed class ChaosClusterFixture : ClusterFixture
{
    // Injected "timeouts" hold an answer for 1.2-1.5 s: past this attempt timeout.
    protected override string AttemptTimeout => "00:00:01";
}

[CollectionDefinition(Name)]
public sealed class ChaosCollection : ICollectionFixture<ChaosClusterFixture>
{
    public const string Name = "cluster (3 nodes, chaos)";
}
