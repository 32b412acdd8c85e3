using ClusterGroups.Api.Cluster;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Reconciliation;
using ClusterGroups.Contracts;
using ClusterGroups.UnitTests.FanOut;

namespace ClusterGroups.UnitTests.Reconciliation;

// The nodes compared only with each other cannot see a difference they all share: a committed group gone from every
// node (what simulator crowd seed 668 reached: a stale owner's late delete on the only node left active, copied by the
// backfill to the nodes that rejoined). The audit compares them with the journal's desired state too
// (ConsistencyCheck's againstJournal, JournalDigest), and the reconciler repairs what it finds through the protocol.
public sealed class JournalAuditTests
{
    private static async Task<ConsistencyReport> CheckAsync(FanOutHarness h, bool againstJournal)
    {
        using var cts = new CancellationTokenSource(FanOutHarness.OperationTimeout);
        return await h.Get<ConsistencyCheck>().RunAsync(againstJournal, cts.Token).WaitAsync(FanOutHarness.OperationTimeout);
    }

    private static async Task<ReconcileReport> AuditAsync(FanOutHarness h)
    {
        using var cts = new CancellationTokenSource(FanOutHarness.OperationTimeout);
        return await h.NewReconciler().RunAsync(UnexplainedPolicy.Report, againstJournal: true, cts.Token).WaitAsync(FanOutHarness.OperationTimeout);
    }

    [Fact]
    public async Task A_committed_group_gone_from_every_node_is_found_by_the_audit_and_created_again()
    {
        await using var h = FanOutHarness.Start(3);
        var created = await h.CreateAsync("g1");
        Assert.Equal(Outcome.Committed, created.Outcome);
        await h.CreateAsync("kept");
        foreach (var node in h.Cluster.Nodes)
        {
            node.Remove("g1");
        }

        // The nodes agree with each other: without the journal, nothing to see.
        Assert.True((await CheckAsync(h, againstJournal: false)).Consistent);

        var audit = await CheckAsync(h, againstJournal: true);
        Assert.False(audit.Consistent);
        var lost = Assert.Single(audit.Divergent);
        Assert.Equal("g1", lost.GroupId);
        Assert.Empty(lost.PresentOn);
        Assert.Equal(["n1.test", "n2.test", "n3.test"], lost.MissingOn);
        Assert.Equal(new DesiredGroup(true, created.Id), lost.Desired);

        var report = await AuditAsync(h);
        var repair = Assert.Single(report.Repaired);
        Assert.Equal(("g1", "created", nameof(Outcome.Committed)), (repair.GroupId, repair.Action, repair.Outcome));
        Assert.True(report.Consistent);
        Assert.All(h.Cluster.Nodes, n => Assert.True(n.Has("g1"), n.Name));
        Assert.True((await CheckAsync(h, againstJournal: true)).Consistent);
    }

    [Fact]
    public async Task A_deleted_group_back_on_every_node_is_found_by_the_audit_and_deleted_again()
    {
        await using var h = FanOutHarness.Start(3);
        await h.CreateAsync("g1");
        var deleted = await h.DeleteAsync("g1");
        Assert.Equal(Outcome.Committed, deleted.Outcome);
        foreach (var node in h.Cluster.Nodes)
        {
            node.Seed("g1");
        }

        Assert.True((await CheckAsync(h, againstJournal: false)).Consistent);
        var back = Assert.Single((await CheckAsync(h, againstJournal: true)).Divergent);
        Assert.Equal(("g1", 3, 0), (back.GroupId, back.PresentOn.Count, back.MissingOn.Count));
        Assert.Equal(new DesiredGroup(false, deleted.Id), back.Desired);

        var report = await AuditAsync(h);
        Assert.Equal(("g1", "deleted"), Assert.Single(report.Repaired) is var r ? (r.GroupId, r.Action) : default);
        Assert.True(report.Consistent);
        Assert.All(h.Cluster.Nodes, n => Assert.False(n.Has("g1"), n.Name));
    }

    [Fact]
    public async Task Groups_the_journal_decided_nothing_about_are_not_the_audits_and_agreeing_ones_pass()
    {
        await using var h = FanOutHarness.Start(3);
        var everywhere = Enumerable.Range(0, 300).Select(i => $"g{i}").ToArray();
        foreach (var id in everywhere.Take(20))
        {
            await h.CreateAsync(id);
        }

        foreach (var node in h.Cluster.Nodes)
        {
            node.Seed([.. everywhere.Skip(20)]); // written to every node outside the Api: no desired state
        }

        await h.CreateAsync("gone");
        await h.DeleteAsync("gone");

        var audit = await CheckAsync(h, againstJournal: true);
        Assert.True(audit.Consistent, string.Join(", ", audit.Divergent.Select(d => d.GroupId)));
        Assert.Empty((await AuditAsync(h)).Repaired);
    }

    [Fact]
    public async Task A_shared_difference_beside_a_node_difference_in_one_bucket_is_reported_with_it()
    {
        await using var h = FanOutHarness.Start(3);
        // Two groups of one bucket (the first two ids that share one): one missing on n1 only (the nodes differ),
        // one missing on all (they agree).
        var ids = Enumerable.Range(0, 2_000).Select(i => $"b{i}").ToArray();
        var pair = ids.GroupBy(GroupBuckets.Of).First(b => b.Count() >= 2).Take(2).ToArray();
        var (first, second) = (pair[0], pair[1]);
        foreach (var id in pair.Append("elsewhere"))
        {
            await h.CreateAsync(id);
        }

        h[0].Remove(first);
        foreach (var node in h.Cluster.Nodes)
        {
            node.Remove(second);
        }

        Assert.Equal([first], (await CheckAsync(h, againstJournal: false)).Divergent.Select(d => d.GroupId));
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal),
            (await CheckAsync(h, againstJournal: true)).Divergent.Select(d => d.GroupId));

        var report = await AuditAsync(h);
        Assert.Equal(2, report.Repaired.Count);
        Assert.True(report.Consistent);
        Assert.All(h.Cluster.Nodes, n => Assert.True(n.Has(first) && n.Has(second), n.Name));
    }
}
