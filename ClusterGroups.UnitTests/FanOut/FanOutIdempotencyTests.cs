using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Model;
using ClusterGroups.Tests.Infrastructure;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// Idempotency-Key and Request-Deadline at the protocol's start step (the endpoint's answers are the integration
// tests'): a key starts one operation, later starts with it are told which; a deadline past before the start step
// starts nothing, and a busy lease waited for past it starts nothing either, and records no key.
public sealed class FanOutIdempotencyTests
{
    private static readonly RequestKey Key = new("tester", "retry-1");

    private static async Task<FanOutResult> RunAsync(FanOutHarness h, string groupId, RequestKey? key, DateTimeOffset? deadline = null)
    {
        using var cts = new CancellationTokenSource(FanOutHarness.OperationTimeout);
        return await h.Protocol.RunAsync(OperationKind.Create, groupId, cts.Token, caller: "tester", key: key, deadline: deadline)
            .WaitAsync(FanOutHarness.OperationTimeout);
    }

    [Fact]
    public async Task A_second_start_with_the_key_gets_the_first_operation_while_it_runs_and_after_and_no_node_is_written_twice()
    {
        await using var h = FanOutHarness.Start(3);
        h[0].Script(new Fault(FaultKind.Frozen, HttpMethod.Post, GroupWritesOnly: true));
        var first = RunAsync(h, "g1", Key);
        await Wait.UntilAsync(() => Task.FromResult(h[0].HeldCount == 1), FanOutHarness.OperationTimeout, "n1 holds the first create");

        var whileRunning = await RunAsync(h, "g1", Key);
        var named = Assert.IsType<StartRefusal.KeyUsed>(whileRunning.NotStarted).Request;
        Assert.Null(whileRunning.Operation);
        Assert.Equal(Outcome.Running, (await h.Journal.GetAsync(named.OperationId, CancellationToken.None))?.Outcome);

        h[0].OpenGate();
        var done = await first.WaitAsync(FanOutHarness.OperationTimeout);
        HasOutcome(done.Operation!, Outcome.Committed);
        Assert.Equal(new KeyedRequest(done.Operation!.Id, OperationKind.Create, "g1"), named);

        var after = await RunAsync(h, "g1", Key);
        Assert.Equal(named, Assert.IsType<StartRefusal.KeyUsed>(after.NotStarted).Request);
        Assert.All(h.Cluster.Nodes, n => Assert.Single(n.RequestsOf(HttpMethod.Post)));
        Assert.Equal(Key, (await h.Journal.GetAsync(done.Operation.Id, CancellationToken.None))?.Key);
    }

    [Fact]
    public async Task A_deadline_already_past_starts_nothing_and_the_key_keeps_the_refusal()
    {
        await using var h = FanOutHarness.Start(3);

        var late = await RunAsync(h, "g1", Key, deadline: h.Clock.GetUtcNow().AddSeconds(-1));

        Assert.IsType<StartRefusal.PastDeadline>(late.NotStarted);
        Assert.All(h.Cluster.Nodes, n => Assert.Empty(n.Requests));
        Assert.Empty((await h.Journal.SearchAsync(new OperationQuery("g1", false, null, null, 10, null), CancellationToken.None)).Operations);
        // The key names the refused request now (a try of it still on its way begins nothing); a new key runs it.
        var again = await RunAsync(h, "g1", Key);
        Assert.True(Assert.IsType<StartRefusal.KeyUsed>(again.NotStarted).Request.IsPastDeadline);
        Assert.All(h.Cluster.Nodes, n => Assert.Empty(n.Requests));
        HasOutcome((await RunAsync(h, "g1", RequestKey.For(null, "another-key"))).Operation!, Outcome.Committed);
    }

    [Fact]
    public async Task A_deadline_that_passes_while_the_groups_lease_is_busy_starts_nothing_and_the_key_keeps_the_refusal()
    {
        await using var h = FanOutHarness.Start(3);
        var held = await h.Journal.AcquireAsync(new LeaseRequest("g1", "another-replica", 1, TimeSpan.FromSeconds(60)), null, CancellationToken.None);
        Assert.IsType<LeaseAnswer.Taken>(held);

        var late = await RunAsync(h, "g1", Key, deadline: h.Clock.GetUtcNow().AddMilliseconds(300));

        Assert.IsType<StartRefusal.PastDeadline>(late.NotStarted);
        Assert.All(h.Cluster.Nodes, n => Assert.Empty(n.Requests));
        Assert.Empty((await h.Journal.SearchAsync(new OperationQuery("g1", false, null, null, 10, null), CancellationToken.None)).Operations);
        await h.Journal.ReleaseAsync("g1", "another-replica", CancellationToken.None);
        var again = await RunAsync(h, "g1", Key);
        Assert.True(Assert.IsType<StartRefusal.KeyUsed>(again.NotStarted).Request.IsPastDeadline);
        HasOutcome((await RunAsync(h, "g1", RequestKey.For(null, "another-key"))).Operation!, Outcome.Committed);
    }

    // The key began an operation; a retry arrives past the call's deadline: answered with that operation (KeyUsed),
    // never "deadline passed, nothing done" (seen failing before the refusal was recorded against the key).
    [Fact]
    public async Task A_retry_past_the_deadline_of_a_request_that_began_is_told_its_operation()
    {
        await using var h = FanOutHarness.Start(3);
        var done = await RunAsync(h, "g1", Key);
        HasOutcome(done.Operation!, Outcome.Committed);

        var late = await RunAsync(h, "g1", Key, deadline: h.Clock.GetUtcNow().AddSeconds(-1));

        Assert.Equal(done.Operation!.Id, Assert.IsType<StartRefusal.KeyUsed>(late.NotStarted).Request.OperationId);
    }
}
