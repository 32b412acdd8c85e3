using ClusterGroups.Tests.Infrastructure;
using static ClusterGroups.Contracts.Operations.CompensationState;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// Answers that stay true across time (docs/ARCHITECTURE.md, "Hazards across time"): a write delivered after the Api
// gave up on it, and an owner stuck past the moment another Api took its operation over. Every answer is checked
// against the nodes when it is given, and again once every held request has reached its node.
public sealed class FanOutFencingTests
{
    [Fact]
    public async Task A_write_delivered_after_the_Api_gave_up_changes_nothing()
    {
        await using var h = FanOutHarness.Start(3);
        await h.CreateAsync("warm-up"); // the nodes are known to honour keys
        h[2].Script(Fault.Late(HttpMethod.Post), 8); // every copy of the create on n3 arrives late

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.RolledBack);
        HasCompensations(report, Undone, Undone, NotNeeded);
        Nowhere(h.Cluster, "g1");

        h[2].OpenGate();
        await Wait.UntilAsync(() => Task.FromResult(h[2].DeliveredCount == h[2].HeldCount), Wait.Request, "every late copy delivered");
        Assert.True(h[2].HeldCount > 0);
        Nowhere(h.Cluster, "g1");
    }

    [Fact]
    public async Task An_owner_stuck_past_a_takeover_answers_what_the_new_owner_made_true()
    {
        await using var a = FanOutHarness.Start(3, [], new Dictionary<string, string?> { ["Cluster:Coordinator:LeaseDuration"] = "00:00:01" });
        await a.CreateAsync("warm-up");
        a[2].Script(Fault.Frozen(HttpMethod.Post)); // A is stuck in its create on n3, as a paused process would be

        var answer = a.CreateAsync("g1");
        await Wait.UntilAsync(() => Task.FromResult(a[2].HeldCount == 1), Wait.Request, "A stuck on n3");
        a.Clock.Hold(); // paused: A's lease is no longer renewed, and expires

        // Another Api over the same coordinator takes the operation over once A's lease has expired.
        await using var b = a.Restart(1, 2, 3);
        var id = Assert.Single(await a.Journal.ListOpenAsync(CancellationToken.None)).Id;
        var byB = await b.RecoverAsync(id);
        HasOutcome(byB, Outcome.RolledBack);
        Nowhere(a.Cluster, "g1");

        a.Clock.Resume();
        a[2].OpenGate();
        var byA = await answer.WaitAsync(FanOutHarness.OperationTimeout);

        // A's answer, checked when it is given: what the journal holds, and what the nodes hold.
        HasOutcome(byA, Outcome.RolledBack);
        Nowhere(a.Cluster, "g1");
        var entry = await a.Journal.GetAsync(id, CancellationToken.None);
        Assert.Equal(Outcome.RolledBack, entry?.Outcome);
        Assert.Equal(byB.Fence, entry?.Fence);
    }

    // Issue 23, case 1: A's create applied on n1 and n2 and, unanswered, on n3, which it cannot reach to resolve; A
    // starts the rollback, undoes n1 and n2, and is stuck asking n3 (a paused process) past its lease. B takes the
    // operation over while n3 is reachable again and shows the create applied. Learning only the unknown node and
    // trusting the journal for the others, B committed a group gone from two nodes; the takeover asks every node under
    // its token, and the rollback on record is never committed.
    [Fact]
    public async Task A_takeover_in_the_middle_of_a_rollback_never_commits_what_was_undone()
    {
        await using var a = FanOutHarness.Start(3, [], new Dictionary<string, string?>
        {
            ["Cluster:Coordinator:LeaseDuration"] = "00:00:01",
            ["Cluster:Resilience:MaxAttempts"] = "2",
        });
        await a.CreateAsync("warm-up");
        a[2].Script(
            Fault.TimeoutAfterApply(HttpMethod.Post), // the create applies on n3, its answer never comes
            Fault.TimeoutBeforeApply(),               // n3 cannot be asked what it did (both tries): unknown, so A
            Fault.TimeoutBeforeApply(),               // rolls back
            new Fault(FaultKind.Frozen, HttpMethod.Post)); // A's rollback asks n3 again and is stuck there

        var answer = a.CreateAsync("g1");
        await Wait.UntilAsync(() => Task.FromResult(a[2].HeldCount == 1), Wait.Request, "A stuck on n3 in its rollback");
        await Wait.UntilAsync(() => Task.FromResult(!a[0].Has("g1") && !a[1].Has("g1")), Wait.Request, "A's undo on n1 and n2");
        Assert.True(a[2].Has("g1")); // and applied on n3
        a.Clock.Hold(); // paused: A's lease is no longer renewed, and expires

        await using var b = a.Restart(1, 2, 3);
        var id = Assert.Single(await a.Journal.ListOpenAsync(CancellationToken.None)).Id;
        var byB = await b.RecoverAsync(id);

        // B's answer, checked when it is given.
        HasOutcome(byB, Outcome.RolledBack);
        Nowhere(a.Cluster, "g1");

        a.Clock.Resume();
        a[2].OpenGate();
        var byA = await answer.WaitAsync(FanOutHarness.OperationTimeout);

        HasOutcome(byA, Outcome.RolledBack);
        Nowhere(a.Cluster, "g1");
        Assert.Equal(Outcome.RolledBack, (await a.Journal.GetAsync(id, CancellationToken.None))?.Outcome);
    }
}
