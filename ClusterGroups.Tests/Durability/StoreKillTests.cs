using ClusterGroups.Tests.Cluster;
using ClusterGroups.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Durability;

// An app of its own: its stores are killed again and again, and node1 ends up with thousands of groups the others lack.
// Two nodes: the Api's commit still spans more than one, and the app starts sooner on a loaded machine.
public sealed class StoreKillClusterFixture : ClusterFixture
{
    public override int NodeCount => 2;
}

[CollectionDefinition(Name)]
public sealed class StoreKillCollection : ICollectionFixture<StoreKillClusterFixture>
{
    public const string Name = "cluster (store kills, garnet)";
}

// The embedded store (Garnet), started by the AppHost with its own arguments: 32 writers, kill -9 mid-load, restart.
[Collection(StoreKillCollection.Name)]
public sealed class GarnetStoreKillTests(StoreKillClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public Task Every_create_a_node_answered_201_survives_kill_9_of_its_garnet_store_mid_load() =>
        StoreKillChecks.NodeStoreAsync(cluster, "node1", "store1", output);

    [Fact]
    public Task Every_operation_the_api_committed_survives_kill_9_of_the_garnet_coordinator_mid_load() =>
        StoreKillChecks.CoordinatorAsync(cluster, output);
}

// The same on Cluster:Store=redis-server (appendfsync always). CI installs redis-server; elsewhere these report
// themselves skipped with the install command.
[Collection(RedisServerCollection.Name)]
public sealed class RedisServerStoreKillTests(RedisServerClusterFixture cluster, ITestOutputHelper output)
{
    [SkippableFact]
    public Task Every_create_a_node_answered_201_survives_kill_9_of_its_redis_server_mid_load()
    {
        RedisServerClusterFixture.Require();
        return StoreKillChecks.NodeStoreAsync(cluster, "node1", "store1", output);
    }

    [SkippableFact]
    public Task Every_operation_the_api_committed_survives_kill_9_of_the_redis_server_coordinator_mid_load()
    {
        RedisServerClusterFixture.Require();
        return StoreKillChecks.CoordinatorAsync(cluster, output);
    }
}
