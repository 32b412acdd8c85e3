using ClusterGroups.Api.Reconciliation;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.UnitTests.FanOut;

namespace ClusterGroups.UnitTests.Reconciliation;

// A node that ignores Idempotency-Key (the seed's) cannot refuse a copy of a write that arrives after the Api gave up
// on it: the operation is rolled back, then the copy lands. The journal explains what it did (the operation found the
// node in the opposite state and left it so), so the background reconciler, whose policy only reports what nothing
// explains, puts it back (README, "What needs our nodes").
public sealed class LateWriteRepairTests
{
    private static async Task<ReconcileReport> ReportPolicyAsync(FanOutHarness h)
    {
        using var cts = new CancellationTokenSource(FanOutHarness.OperationTimeout);
        return await h.NewReconciler().RunAsync(UnexplainedPolicy.Report, cts.Token).WaitAsync(FanOutHarness.OperationTimeout);
    }

    private static async Task LateCopiesLandAsync(FakeNode node)
    {
        node.OpenGate();
        await Wait.UntilAsync(() => Task.FromResult(node.DeliveredCount == node.HeldCount), Wait.Request, "every late copy delivered");
        Assert.True(node.HeldCount > 0);
    }

    [Fact]
    public async Task A_create_delivered_to_a_seed_node_after_its_rollback_is_repaired_by_the_report_policy()
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: [0]);
        await h.CreateAsync("warm-up");
        h[0].Script(Fault.Late(HttpMethod.Post), 8); // every copy of the create on n1 arrives late

        var op = await h.CreateAsync("g1");
        Assert.Equal(Outcome.RolledBack, op.Outcome);
        h[0].ClearScript();
        await LateCopiesLandAsync(h[0]);
        Assert.True(h[0].Has("g1"));

        var report = await ReportPolicyAsync(h);

        var repair = Assert.Single(report.Repaired, r => r.GroupId == "g1");
        Assert.Equal("deleted", repair.Action);
        Assert.Equal(["n1.test"], repair.Nodes);
        Assert.Equal(nameof(Outcome.Committed), repair.Outcome);
        Assert.DoesNotContain(report.Unexplained, g => g.GroupId == "g1");
        Assert.True(report.Consistent);
        Assert.All(h.Cluster.Nodes, n => Assert.False(n.Has("g1"), n.Name));
    }

    [Fact]
    public async Task A_delete_delivered_to_a_seed_node_after_its_rollback_is_repaired_by_the_report_policy()
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: [0]);
        foreach (var node in h.Cluster.Nodes)
        {
            node.Seed("g1"); // there from before the Api: no desired state explains it
        }

        h[0].Script(Fault.Late(HttpMethod.Delete), 8);

        var op = await h.DeleteAsync("g1");
        Assert.Equal(Outcome.RolledBack, op.Outcome);
        h[0].ClearScript();
        await LateCopiesLandAsync(h[0]);
        Assert.False(h[0].Has("g1"));

        var report = await ReportPolicyAsync(h);

        var repair = Assert.Single(report.Repaired, r => r.GroupId == "g1");
        Assert.Equal("created", repair.Action);
        Assert.Equal(["n1.test"], repair.Nodes);
        Assert.All(h.Cluster.Nodes, n => Assert.True(n.Has("g1"), n.Name));
    }

    [Fact]
    public async Task A_group_a_rolled_back_create_did_not_find_absent_stays_unexplained()
    {
        // n1 could not be read before the write, so the operation never learned what n1 held: a group there now is
        // not explained by it, and the report policy only lists it.
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: [0]);
        await h.CreateAsync("warm-up");
        h[0].Script(Fault.ConnectionRefused(HttpMethod.Get), 8);
        var op = await h.CreateAsync("g1");
        Assert.Equal(Outcome.RolledBack, op.Outcome);
        h[0].ClearScript();
        h[0].Seed("g1"); // written to n1 by someone else

        var report = await ReportPolicyAsync(h);

        Assert.Contains(report.Unexplained, g => g.GroupId == "g1");
        Assert.DoesNotContain(report.Repaired, r => r.GroupId == "g1");
        Assert.True(h[0].Has("g1"));
    }

    [Fact]
    public async Task A_group_listed_mid_write_whose_operation_committed_before_the_check_read_the_journal_is_not_repaired()
    {
        // n1 holds the create of g1 (as a slow network would) while the check lists it; then the create lands and the
        // operation commits before the check reads the journal, which names that committed create as g1's last.
        await using var h = FanOutHarness.Start(3, [], new Dictionary<string, string?>
        {
            ["Cluster:Resilience:AttemptTimeout"] = "00:00:10",
            ["Cluster:Resilience:MinAttemptTimeout"] = "00:00:10",
        });
        await h.CreateAsync("warm-up");
        h[0].Script(Fault.Frozen(HttpMethod.Post));
        var create = h.CreateAsync("g1");
        await Wait.UntilAsync(() => Task.FromResult(h[0].HeldCount == 1), Wait.Request, "n1 holds the create");
        h[0].OnceListed(async () =>
        {
            h[0].OpenGate();
            Assert.Equal(Outcome.Committed, (await create.WaitAsync(FanOutHarness.OperationTimeout)).Outcome);
        });

        var report = await ReportPolicyAsync(h);

        Assert.True(h[0].Has("g1"));
        Assert.Empty(report.Repaired);
        Assert.Empty(report.Unexplained);
        Assert.True(report.Consistent);
        Assert.Equal(2, h[0].RequestsOf(HttpMethod.Post).Count(r => r.GroupId is "warm-up" or "g1"));
    }
}
