using ClusterGroups.Api.FanOut;
using static ClusterGroups.Contracts.Operations.CompensationState;
using static ClusterGroups.Contracts.Operations.NodeEffect;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// The rollback (docs/ARCHITECTURE.md, "What goes wrong with naive compensation", row 2: the rollback call itself fails)
// and what it may and may not touch.
public sealed class FanOutCompensationTests
{
    [Theory]
    [InlineData(FaultKind.Status500BeforeApply, 1)]
    [InlineData(FaultKind.Status500BeforeApply, 3)]
    [InlineData(FaultKind.Status500AfterApply, 2)]
    [InlineData(FaultKind.TimeoutAfterApply, 1)]
    public async Task Row2_a_failing_rollback_call_is_tried_again_until_the_node_is_undone(FaultKind fault, int times)
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: 1);
        h[0].Script(new Fault(fault, HttpMethod.Delete), times);
        h[1].Script(new Fault(fault, HttpMethod.Delete), times);
        h[2].GoDown();

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.RolledBack);
        HasEffects(report, Applied, Applied, NotApplied);
        HasCompensations(report, Undone, Undone, NotNeeded);
        Nowhere(h.Cluster, "g1");
        Assert.All(h[0].RequestsOf(HttpMethod.Delete), r => Assert.Equal($"{report.Id}:undo", r.Key));
        // A failure before applying is sent again (after a read showed it did not apply); one after applying is
        // resolved by the read alone.
        Assert.Equal(fault is FaultKind.Status500BeforeApply ? times + 1 : 1, h[0].RequestsOf(HttpMethod.Delete).Count);
        Assert.Equal(Calls(report, 0, Phase.Compensate).Count, h[0].RequestsOf(HttpMethod.Delete).Count);
    }

    [Fact]
    public async Task Row2_a_rollback_that_keeps_failing_is_pending_repair_and_recovery_finishes_it()
    {
        await using var h = FanOutHarness.Start(3);
        h[0].Script(Fault.Status500BeforeApply(HttpMethod.Delete), 8);
        h[2].GoDown();

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.PendingRepair);
        HasEffects(report, Applied, Applied, NotApplied);
        HasCompensations(report, Pending, Undone, NotNeeded);
        Presence(h.Cluster, "g1", true, false, false);
        Assert.Equal(Outcome.PendingRepair, (await h.Journal.GetAsync(report.Id, CancellationToken.None))?.Outcome);

        // A round while the node still fails leaves it open; once it answers, the next round closes it. A takeover
        // fences every node first (docs/ARCHITECTURE.md, "Takeover"): n3 too, so the rollback closes once n3 is back.
        Assert.Equal(0, await h.Recovery.RunOnceAsync(CancellationToken.None).WaitAsync(FanOutHarness.OperationTimeout));
        Assert.Equal(Outcome.PendingRepair, (await h.Journal.GetAsync(report.Id, CancellationToken.None))?.Outcome);
        Presence(h.Cluster, "g1", true, false, false);
        h[2].ComeUp();

        var repaired = await h.RecoverAsync(report.Id);

        HasOutcome(repaired, Outcome.RolledBack);
        HasCompensations(repaired, Undone, Undone, NotNeeded);
        Nowhere(h.Cluster, "g1");
        Assert.Empty(h[2].Groups);
    }

    [Fact]
    public async Task Row2_a_node_that_goes_down_before_its_rollback_is_pending_repair_until_it_is_back()
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: 1);
        h.Cluster.Nodes.ToList().ForEach(n => n.Seed("g1"));
        h[1].Script(Fault.Down(HttpMethod.Post));   // goes down when the rollback re-creates its group
        h[2].Script(Fault.Status500BeforeApply(HttpMethod.Delete), 4);

        var report = await h.DeleteAsync("g1");

        HasOutcome(report, Outcome.PendingRepair);
        // Node 3's delete stayed unknown; the rollback's read resolved it as never applied: nothing to undo there.
        HasEffects(report, Applied, Applied, NotApplied);
        HasCompensations(report, Undone, Pending, NotNeeded);
        Presence(h.Cluster, "g1", true, false, true);

        h[1].ComeUp();
        var repaired = await h.RecoverAsync(report.Id);

        HasOutcome(repaired, Outcome.RolledBack);
        Everywhere(h.Cluster, "g1");
    }

    [Fact]
    public async Task Rollback_of_a_create_never_deletes_a_group_that_was_there_before()
    {
        await using var h = FanOutHarness.Start(3);
        h[0].Seed("g1");
        h[2].Script(Fault.ConnectionRefused(HttpMethod.Post), 4);

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.RolledBack);
        HasEffects(report, AlreadySo, Applied, NotApplied);
        HasCompensations(report, NotNeeded, Undone, NotNeeded);
        Presence(h.Cluster, "g1", true, false, false);
        Assert.Empty(h[0].RequestsOf(HttpMethod.Delete));
        Assert.Empty(h[2].RequestsOf(HttpMethod.Delete));
    }

    [Fact]
    public async Task Rollback_of_a_delete_re_creates_only_where_it_deleted()
    {
        await using var h = FanOutHarness.Start(4, ignoringIdempotency: 3);
        h[1].Seed("g1");
        h[2].Seed("g1");
        h[3].Seed("g1");
        h[2].GoDown();
        h[3].Script(Fault.Status500AfterApply(HttpMethod.Post)); // the re-create applied, its answer a 500

        var report = await h.DeleteAsync("g1");

        HasOutcome(report, Outcome.RolledBack);
        HasEffects(report, AlreadySo, Applied, NotApplied, Applied);
        HasCompensations(report, NotNeeded, Undone, NotNeeded, Undone);
        Presence(h.Cluster, "g1", false, true, true, true);
        Assert.Empty(h[0].RequestsOf(HttpMethod.Post));
        Assert.Single(h[3].RequestsOf(HttpMethod.Post)); // resolved by reading, not by posting again
    }

    [Fact]
    public async Task A_refused_connection_is_safe_to_try_again()
    {
        await using var h = FanOutHarness.Start(3);
        h[1].Script(Fault.ConnectionRefused(HttpMethod.Post), 2);

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        HasEffects(report, Applied, Applied, Applied);
        NothingToUndo(report);
        Everywhere(h.Cluster, "g1");
        Assert.Equal(3, h[1].RequestsOf(HttpMethod.Post).Count);
    }

    [Fact]
    public async Task A_connection_refused_on_every_try_rolls_the_others_back()
    {
        await using var h = FanOutHarness.Start(3);
        h[1].Script(Fault.ConnectionRefused(HttpMethod.Post), 4);

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.RolledBack);
        HasEffects(report, Applied, NotApplied, Applied);
        HasCompensations(report, Undone, NotNeeded, Undone);
        Nowhere(h.Cluster, "g1");
        Assert.Equal(4, h[1].RequestsOf(HttpMethod.Post).Count);
        Assert.Empty(h[1].RequestsOf(HttpMethod.Delete));
    }

    [Theory]
    [InlineData(OperationKind.Create)]
    [InlineData(OperationKind.Delete)]
    public async Task A_node_down_from_the_start_rolls_the_others_back_and_is_never_written(OperationKind kind)
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: 0);
        if (kind == OperationKind.Delete)
        {
            h.Cluster.Nodes.ToList().ForEach(n => n.Seed("g1"));
        }

        h[1].GoDown();

        var report = await h.RunAsync(kind, "g1");

        HasOutcome(report, Outcome.RolledBack);
        HasEffects(report, Applied, NotApplied, Applied);
        HasCompensations(report, Undone, NotNeeded, Undone);
        Presence(h.Cluster, "g1", [.. Enumerable.Repeat(kind == OperationKind.Delete, 3)]);
        Assert.All(h[1].Requests, r => Assert.Equal(FaultKind.ConnectionRefused, r.Fault));
    }
}
