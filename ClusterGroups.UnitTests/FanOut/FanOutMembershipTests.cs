using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Model;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// Issue 28, membership with epochs (step 0 of the protocol): an operation runs on the nodes the membership writes at
// its epoch, and the coordinator begins it only at the recorded epoch, so a replica whose view is out of date never
// leaves a joining node out nor writes a drained one: it reads the membership again and plans anew.
public sealed class FanOutMembershipTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_replica_with_an_old_view_plans_again_and_leaves_a_drained_node_out()
    {
        await using var api = FanOutHarness.Start(3);
        HasOutcome(await api.CreateAsync("g0"), Outcome.Committed); // the replica has read the membership (epoch 0)

        // Another replica drains n3 (epoch 1), and n3 goes down for maintenance; this one's view is still epoch 0.
        Assert.True(await api.Journal.ChangeMembershipAsync(Membership.Initial(["n1.test", "n2.test", "n3.test"]).With("n3.test", MemberRole.Out), 0, None));
        api[2].GoDown();
        var before = api[2].Requests.Count;

        var created = await api.CreateAsync("g1");

        HasOutcome(created, Outcome.Committed);
        Assert.Equal(1, created.Epoch);
        Assert.Equal(["n1.test", "n2.test"], created.Nodes.Select(n => n.Name));
        Assert.Equal(before, api[2].Requests.Count); // not one call to the drained node
        Assert.True(api[0].Has("g1") && api[1].Has("g1"));
        Assert.Equal(1, (await api.Journal.GetAsync(created.Id, None))?.Epoch);
    }

    [Fact]
    public async Task A_joining_node_is_written_by_every_operation_planned_after_it_joined()
    {
        await using var api = FanOutHarness.Start(3);
        var drained = Membership.Initial(["n1.test", "n2.test", "n3.test"]).With("n3.test", MemberRole.Out);
        Assert.True(await api.Journal.ChangeMembershipAsync(drained, 0, None));
        HasOutcome(await api.CreateAsync("g0"), Outcome.Committed); // planned at epoch 1: n1, n2
        Assert.False(api[2].Has("g0"));

        // n3 rejoins (epoch 2) while this replica's view still says it is out: the start step refuses epoch 1, and the
        // operation planned again writes n3 too.
        Assert.True(await api.Journal.ChangeMembershipAsync(drained.With("n3.test", MemberRole.Joining), 0, None));
        var created = await api.CreateAsync("g1");

        HasOutcome(created, Outcome.Committed);
        Assert.Equal(2, created.Epoch);
        Assert.Equal(["n1.test", "n2.test", "n3.test"], created.Nodes.Select(n => n.Name));
        Everywhere(api.Cluster, "g1");
    }
}
