using ClusterGroups.Api.FanOut;
using static ClusterGroups.Contracts.Operations.CompensationState;
using static ClusterGroups.Contracts.Operations.NodeEffect;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// An operation knows its nodes by name. An Api restarted after Cluster:Nodes was reordered, shrunk or grown finishes
// a journaled operation on the nodes it was journaled with — never on whichever node now stands at the same position.
public sealed class FanOutNodeIdentityTests
{
    // A create left pending: applied on n1 and n2, n3 down; n1's undo keeps failing, n2's was undone. Four fake
    // nodes exist; the Api that ran it was configured with the first three.
    private static async Task<(FanOutHarness Api, string OperationId)> PendingOnFirstNodeAsync()
    {
        await using var four = FanOutHarness.Start(4);
        var h = four.Restart(1, 2, 3);
        h[0].Script(Fault.Status500BeforeApply(HttpMethod.Delete), 8);
        h[2].GoDown();
        var report = await h.CreateAsync("g1");
        HasOutcome(report, Outcome.PendingRepair);
        HasCompensations(report, Pending, Undone, NotNeeded);
        Presence(h.Cluster, "g1", true, false, false, false);
        h.Cluster.ClearScripts();
        return (h, report.Id);
    }

    [Fact]
    public async Task Recovery_after_the_nodes_were_reordered_undoes_on_the_node_that_was_changed()
    {
        var (before, id) = await PendingOnFirstNodeAsync();
        await using var _ = before;
        await using var after = before.Restart(3, 1, 2);

        var repaired = await after.RecoverAsync(id);

        HasOutcome(repaired, Outcome.RolledBack);
        Nowhere(after.Cluster, "g1");
        Assert.Equal(["n1.test", "n2.test", "n3.test"], repaired.Nodes.Select(n => n.Name));
        HasCompensations(repaired, Undone, Undone, NotNeeded);
    }

    [Fact]
    public async Task A_journaled_node_no_longer_configured_stays_pending_and_is_named_until_it_is_back()
    {
        var (before, id) = await PendingOnFirstNodeAsync();
        await using var _ = before;
        await using (var shrunk = before.Restart(2, 3))
        {
            await shrunk.Recovery.RunOnceAsync(CancellationToken.None, now: true).WaitAsync(FanOutHarness.OperationTimeout);
            var entry = await shrunk.Journal.GetAsync(id, CancellationToken.None);
            Assert.NotNull(entry);
            HasOutcome(entry, Outcome.PendingRepair);
            Presence(shrunk.Cluster, "g1", true, false, false, false);
            Assert.Contains("n1.test is neither in Cluster:Nodes nor added with an address", OperationNarrative.Summary(entry), StringComparison.Ordinal);
        }

        await using var back = before.Restart(1, 2, 3);
        var repaired = await back.RecoverAsync(id);
        HasOutcome(repaired, Outcome.RolledBack);
        Nowhere(back.Cluster, "g1");
    }

    [Fact]
    public async Task A_node_added_after_the_operation_began_is_not_part_of_it()
    {
        var (before, id) = await PendingOnFirstNodeAsync();
        await using var _ = before;
        await using var grown = before.Restart(4, 1, 2, 3);

        var repaired = await grown.RecoverAsync(id);

        HasOutcome(repaired, Outcome.RolledBack);
        Assert.Equal(["n1.test", "n2.test", "n3.test"], repaired.Nodes.Select(n => n.Name));
        Nowhere(grown.Cluster, "g1");
        Assert.Empty(grown[3].Requests);
    }
}
