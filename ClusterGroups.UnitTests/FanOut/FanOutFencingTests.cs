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
}
