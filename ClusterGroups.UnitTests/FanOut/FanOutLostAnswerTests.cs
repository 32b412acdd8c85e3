using ClusterGroups.Contracts;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Nodes;
using static ClusterGroups.Contracts.Operations.NodeEffect;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// Answers that do not say what happened (docs/ARCHITECTURE.md, "What goes wrong with naive compensation", row 1: the
// answer of an applied POST is lost; row 6: a 500 from a node that did apply). They are resolved on the node, never
// guessed, and a write is never sent blindly again to a node that ignores Idempotency-Key.
public sealed class FanOutLostAnswerTests
{
    [Fact]
    public async Task Row1_lost_answer_of_an_applied_create_is_resolved_by_reading_who_created_it_on_our_node()
    {
        await using var h = FanOutHarness.Start(3);
        h[1].Script(Fault.TimeoutAfterApply(HttpMethod.Post));

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        HasEffects(report, Applied, Applied, Applied);
        NothingToUndo(report);
        Everywhere(h.Cluster, "g1");
        Assert.Equal(CallError.Timeout, Assert.Single(Calls(report, 1, Phase.Apply)).Error);
        var verify = Assert.Single(Calls(report, 1, Phase.ApplyVerify));
        Assert.True(verify.Present);
        Assert.Equal(report.Id, verify.WrittenBy);
        Assert.Equal(report.Id, Assert.Single(h[1].RequestsOf(HttpMethod.Post)).Key);
    }

    [Fact]
    public async Task Row1_lost_answer_on_a_node_that_ignores_the_key_is_resolved_by_reading_not_by_posting_again()
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: 1);
        h[1].Script(Fault.TimeoutAfterApply(HttpMethod.Post));

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        HasEffects(report, Applied, Applied, Applied);
        NothingToUndo(report);
        Everywhere(h.Cluster, "g1");
        Assert.Single(h[1].RequestsOf(HttpMethod.Post));
        Assert.Equal(CallError.Timeout, Assert.Single(Calls(report, 1, Phase.Apply)).Error);
        Assert.True(Assert.Single(Calls(report, 1, Phase.ApplyVerify)).Present);
    }

    [Fact]
    public async Task Row1_lost_answer_of_an_applied_delete_is_resolved_on_both_kinds_of_node()
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: 2);
        h.Cluster.Nodes.ToList().ForEach(n => n.Seed("g1"));
        h[1].Script(Fault.TimeoutAfterApply(HttpMethod.Delete));
        h[2].Script(Fault.TimeoutAfterApply(HttpMethod.Delete));

        var report = await h.DeleteAsync("g1");

        HasOutcome(report, Outcome.Committed);
        HasEffects(report, Applied, Applied, Applied);
        NothingToUndo(report);
        Nowhere(h.Cluster, "g1");
        Assert.Equal(report.Id, Assert.Single(Calls(report, 1, Phase.ApplyVerify)).WrittenBy);
        Assert.Single(h[1].RequestsOf(HttpMethod.Delete));
        Assert.Single(h[2].RequestsOf(HttpMethod.Delete));
        Assert.All(h.Cluster.Nodes, n => Assert.Empty(n.RequestsOf(HttpMethod.Post)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Row1_a_rolled_back_create_also_cleans_the_node_whose_answer_was_lost(bool ignoresKey)
    {
        await using var h = FanOutHarness.Start(3, ignoresKey ? [0] : []);
        h[0].Script(Fault.TimeoutAfterApply(HttpMethod.Post));
        h[2].GoDown();

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.RolledBack);
        HasEffects(report, Applied, Applied, NotApplied);
        HasCompensations(report, CompensationState.Undone, CompensationState.Undone, CompensationState.NotNeeded);
        Nowhere(h.Cluster, "g1");
        Assert.Single(h[0].RequestsOf(HttpMethod.Delete));
        Assert.All(h[2].Requests, r => Assert.Equal(FaultKind.ConnectionRefused, r.Fault));
    }

    [Fact]
    public async Task Row1_answers_lost_on_every_try_leave_the_effect_unknown_and_the_rollback_resolves_it_first()
    {
        await using var h = FanOutHarness.Start(3);
        await h.CreateAsync("warm-up"); // the nodes are known to honour keys: no read before the write
        h[0].Script(Fault.TimeoutAfterApply(HttpMethod.Post));
        // Every read of the apply phase goes unanswered too (3 verifies, each tried 4 times by the HTTP pipeline).
        h[0].Script(Fault.TimeoutBeforeApply(HttpMethod.Get), 12);

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.RolledBack);
        HasEffects(report, Applied, Applied, Applied); // node 1 learned as Applied by the resolving read
        HasCompensations(report, CompensationState.Undone, CompensationState.Undone, CompensationState.Undone);
        Nowhere(h.Cluster, "g1");
        Assert.Single(h[0].RequestsOf(HttpMethod.Post), r => r.GroupId == "g1");
        // Resolved by closing the door on the key: the node answered that the write had applied.
        Assert.Equal(AbortAnswer.Applied, Calls(report, 0, Phase.Resolve)[^1].AbortOutcome);
    }

    [Fact]
    public async Task Row1_lost_answer_then_the_node_goes_down_is_pending_repair_never_an_orphan_and_recovery_cleans_it()
    {
        await using var h = FanOutHarness.Start(3);
        await h.CreateAsync("warm-up");
        h[0].Script(Fault.TimeoutAfterApply(HttpMethod.Post), Fault.Down());

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.PendingRepair);
        HasEffects(report, Unknown, Applied, Applied);
        HasCompensations(report, CompensationState.Pending, CompensationState.Undone, CompensationState.Undone);
        Presence(h.Cluster, "g1", true, false, false);

        h[0].ComeUp();
        var repaired = await h.RecoverAsync(report.Id);

        HasOutcome(repaired, Outcome.RolledBack);
        HasCompensations(repaired, CompensationState.Undone, CompensationState.Undone, CompensationState.Undone);
        Nowhere(h.Cluster, "g1");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Row6_a_500_from_a_node_that_applied_the_create_counts_as_applied(bool ignoresKey)
    {
        await using var h = FanOutHarness.Start(3, ignoresKey ? [1] : []);
        h[1].Script(Fault.Status500AfterApply(HttpMethod.Post));

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        HasEffects(report, Applied, Applied, Applied);
        NothingToUndo(report);
        Everywhere(h.Cluster, "g1");
        Assert.Equal(500, Calls(report, 1, Phase.Apply)[0].Status);
        Assert.Single(h[1].RequestsOf(HttpMethod.Post)); // resolved by reading, never by posting again
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Row6_a_500_from_a_node_that_applied_the_delete_counts_as_applied(bool ignoresKey)
    {
        await using var h = FanOutHarness.Start(3, ignoresKey ? [2] : []);
        h.Cluster.Nodes.ToList().ForEach(n => n.Seed("g1"));
        h[2].Script(Fault.Status500AfterApply(HttpMethod.Delete));

        var report = await h.DeleteAsync("g1");

        HasOutcome(report, Outcome.Committed);
        HasEffects(report, Applied, Applied, Applied);
        NothingToUndo(report);
        Nowhere(h.Cluster, "g1");
        Assert.All(h.Cluster.Nodes, n => Assert.Empty(n.RequestsOf(HttpMethod.Post)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_500_or_a_timeout_before_applying_is_tried_again_safely_and_commits(bool ignoresKey)
    {
        await using var h = FanOutHarness.Start(3, ignoresKey ? [0, 1] : []);
        h[0].Script(Fault.Status500BeforeApply(HttpMethod.Post));
        h[1].Script(Fault.TimeoutBeforeApply(HttpMethod.Post));

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        HasEffects(report, Applied, Applied, Applied);
        NothingToUndo(report);
        Everywhere(h.Cluster, "g1");
        // Each POST the report shows is exactly one POST the node received: the HTTP pipeline never retried one.
        Assert.All(Enumerable.Range(0, 3), i =>
            Assert.Equal(Calls(report, i, Phase.Apply).Count, h[i].RequestsOf(HttpMethod.Post).Count));
        Assert.Equal(2, h[0].RequestsOf(HttpMethod.Post).Count);
        Assert.Equal(2, h[1].RequestsOf(HttpMethod.Post).Count);
        Assert.False(Calls(report, 1, Phase.Apply)[^1].Replayed);
    }

    [Fact]
    public async Task A_read_that_fails_is_retried_by_the_http_pipeline_as_one_call()
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: 0);
        await h.CreateAsync("warm-up"); // the nodes' dialects are known (their probe is a GET too)
        h[0].Script(Fault.Status500BeforeApply(HttpMethod.Get), Fault.TimeoutBeforeApply(HttpMethod.Get));

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        Everywhere(h.Cluster, "g1");
        Assert.False(Assert.Single(Calls(report, 0, Phase.ReadBefore)).Present);
        Assert.Equal(3, h[0].RequestsOf(HttpMethod.Get).Count(r => r.GroupId == "g1"));
    }
}
