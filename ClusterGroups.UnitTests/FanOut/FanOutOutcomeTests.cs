using ClusterGroups.Api.FanOut;
using static ClusterGroups.Contracts.Operations.NodeEffect;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// The outcome classes without faults: committed, already so, and convergence from a group on some nodes only
// (docs/ARCHITECTURE.md, "What goes wrong with naive compensation", row 3), and two concurrent creates of one id
// (row 4).
public sealed class FanOutOutcomeTests
{
    [Fact]
    public async Task Create_commits_on_every_node_with_one_post_each_carrying_the_operation_key()
    {
        await using var h = FanOutHarness.Start(3);

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        HasEffects(report, Applied, Applied, Applied);
        HasCompensations(report, CompensationState.NotNeeded, CompensationState.NotNeeded, CompensationState.NotNeeded);
        Everywhere(h.Cluster, "g1");
        foreach (var (node, i) in h.Cluster.Nodes.Select((n, i) => (n, i)))
        {
            var post = Assert.Single(node.RequestsOf(HttpMethod.Post));
            Assert.Equal(report.Id, post.Key);
            Assert.Equal(201, Assert.Single(Calls(report, i, Phase.Apply)).Status);
            Assert.Empty(node.RequestsOf(HttpMethod.Delete));
        }
    }

    [Fact]
    public async Task Delete_commits_on_every_node()
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: 2);
        foreach (var node in h.Cluster.Nodes)
        {
            node.Seed("g1", "other");
        }

        var report = await h.DeleteAsync("g1");

        HasOutcome(report, Outcome.Committed);
        HasEffects(report, Applied, Applied, Applied);
        NothingToUndo(report);
        Nowhere(h.Cluster, "g1");
        Everywhere(h.Cluster, "other");
        Assert.All(h.Cluster.Nodes, n => Assert.Single(n.RequestsOf(HttpMethod.Delete)));
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(200, Assert.Single(Calls(report, i, Phase.Apply)).Status));
    }

    [Fact]
    public async Task Create_of_a_group_present_everywhere_is_already_so_and_changes_nothing()
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: 2);
        await h.CreateAsync("warm-up"); // the Api now knows which nodes honour Idempotency-Key
        foreach (var node in h.Cluster.Nodes)
        {
            node.Seed("g1");
        }

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.AlreadySo);
        HasEffects(report, AlreadySo, AlreadySo, AlreadySo);
        HasCompensations(report, CompensationState.NotNeeded, CompensationState.NotNeeded, CompensationState.NotNeeded);
        Everywhere(h.Cluster, "g1");
        // Our nodes said "exists" (400 with its detail); the seed-like node was read first and not written at all.
        Assert.Equal(400, Assert.Single(Calls(report, 0, Phase.Apply)).Status);
        Assert.Equal(400, Assert.Single(Calls(report, 1, Phase.Apply)).Status);
        Assert.Single(h[2].RequestsOf(HttpMethod.Post)); // only warm-up's
        Assert.All(h.Cluster.Nodes, n => Assert.Empty(n.RequestsOf(HttpMethod.Delete)));
    }

    [Fact]
    public async Task Delete_of_a_group_absent_everywhere_is_already_so_and_changes_nothing()
    {
        await using var h = FanOutHarness.Start(3);
        await h.CreateAsync("warm-up");

        var report = await h.DeleteAsync("g1");

        HasOutcome(report, Outcome.AlreadySo);
        HasEffects(report, AlreadySo, AlreadySo, AlreadySo);
        NothingToUndo(report);
        Nowhere(h.Cluster, "g1");
        Everywhere(h.Cluster, "warm-up");
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(404, Assert.Single(Calls(report, i, Phase.Apply)).Status));
        Assert.All(h.Cluster.Nodes, n => Assert.Single(n.RequestsOf(HttpMethod.Post))); // warm-up's, no re-create
    }

    [Fact]
    public async Task Row3_create_of_a_group_on_some_nodes_only_converges_to_every_node()
    {
        await using var h = FanOutHarness.Start(4, ignoringIdempotency: 3);
        h[0].Seed("g1");
        h[3].Seed("g1");

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        HasEffects(report, AlreadySo, Applied, Applied, AlreadySo);
        NothingToUndo(report);
        Everywhere(h.Cluster, "g1");
        Assert.All(h.Cluster.Nodes, n => Assert.Empty(n.RequestsOf(HttpMethod.Delete)));
    }

    [Fact]
    public async Task Row3_delete_of_a_group_on_some_nodes_only_converges_to_no_node()
    {
        await using var h = FanOutHarness.Start(4, ignoringIdempotency: 3);
        h[1].Seed("g1");
        h[3].Seed("g1");

        var report = await h.DeleteAsync("g1");

        HasOutcome(report, Outcome.Committed);
        HasEffects(report, AlreadySo, Applied, AlreadySo, Applied);
        NothingToUndo(report);
        Nowhere(h.Cluster, "g1");
        Assert.All(h.Cluster.Nodes, n => Assert.Empty(n.RequestsOf(HttpMethod.Post)));
    }

    [Fact]
    public async Task Row4_two_concurrent_creates_of_one_id_give_one_committed_and_one_already_so_every_round()
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: 1);
        h.Cluster.Nodes.ToList().ForEach(n => n.Script(Fault.Slow(5, HttpMethod.Post), 40));

        for (var round = 0; round < 20; round++)
        {
            var id = $"race-{round}";
            var reports = await Task.WhenAll(h.CreateAsync(id), h.CreateAsync(id));

            var outcomes = reports.Select(r => r.Outcome).Order().ToArray();
            Assert.True(outcomes.SequenceEqual([Outcome.Committed, Outcome.AlreadySo]),
                $"round {round}: {string.Join(" | ", reports.Select(Describe))}");
            Everywhere(h.Cluster, id);
        }
    }
}
