using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Cluster;

// docs/ARCHITECTURE.md, "Cold start": a process that just restarted (as after a crash) is hit at once by everyone who
// waited for it. It must answer them in time, not after seconds of thread-pool starvation (seen: a fresh node answered
// 32 concurrent creates after ~16 s). "In time" is the Api's node attempt timeout: an answer slower than that is one
// the Api has already given up on. The redis-server store kind: RedisServerStoreTests.
[Collection(ClusterCollection.Name)]
public sealed class ColdStartTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_node_restarted_after_a_crash_answers_a_burst_of_creates_in_time() =>
        ColdBurst.AssertAllCreatedWithin(await ColdBurst.AfterNodeCrashAsync(cluster, "node1"), cluster.NodeAttemptTimeout, "node1 just restarted");

    [Fact]
    public async Task The_api_restarted_after_a_crash_answers_a_burst_of_creates_in_time() =>
        ColdBurst.AssertAllCreatedWithin(await ColdBurst.AfterApiCrashAsync(cluster), cluster.NodeAttemptTimeout, "the api just restarted");
}
