using ClusterGroups.Api.Maintenance;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Api.Upgrades;
using ClusterGroups.UnitTests.FanOut;

namespace ClusterGroups.UnitTests.Maintenance;

// A drain never leaves the seed's nodes as the only truth while a node of ours is active (MembershipChanges;
// docs/ARCHITECTURE.md, "Membership"). A seed node cannot refuse a stale owner's write that lands after the operation
// closed, and the difference that write leaves is seen, and repaired, only against another active node. With the seed's
// node the only active one, a committed group deleted there that way was copied to the rejoining nodes as absent and
// lost on every node, the journal still saying committed (the simulator, `--crowd` seed 668).
public sealed class DrainTruthTests
{
    private static readonly TimeSpan Box = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_last_active_node_of_ours_is_not_drained_while_a_seed_node_would_be_left_as_the_only_truth()
    {
        // n1 is the seed's (no X-Idempotency-Supported: learned by a probe), n2 and n3 ours.
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: 0);
        var changes = Changes(h);

        var first = await changes.DrainAsync("n3.test", CancellationToken.None).WaitAsync(Box);
        Assert.Equal(MemberRole.Out, first.Membership.RoleOf("n3.test"));

        var refused = await Assert.ThrowsAsync<MembershipRefusedException>(() => changes.DrainAsync("n2.test", CancellationToken.None).WaitAsync(Box));
        Assert.StartsWith("'n2.test' is the last active node that honours Idempotency-Keys and fencing tokens", refused.Message, StringComparison.Ordinal);
        var now = await h.Get<ClusterMembership>().RefreshAsync(CancellationToken.None).WaitAsync(Box);
        Assert.Equal(first.Membership.Epoch, now.Epoch);
        Assert.Equal(["n1.test", "n2.test"], now.Truth);

        // The seed's node itself may go: a node of ours stays the truth.
        var seedOut = await changes.DrainAsync("n1.test", CancellationToken.None).WaitAsync(Box);
        Assert.Equal(["n2.test"], seedOut.Membership.Truth);
    }

    [Fact]
    public async Task A_cluster_of_the_seeds_nodes_alone_drains_down_to_its_last_active_node_as_before()
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: [0, 1, 2]);
        var changes = Changes(h);

        await changes.DrainAsync("n3.test", CancellationToken.None).WaitAsync(Box);
        var second = await changes.DrainAsync("n2.test", CancellationToken.None).WaitAsync(Box);
        Assert.Equal(["n1.test"], second.Membership.Truth);

        var refused = await Assert.ThrowsAsync<MembershipRefusedException>(() => changes.DrainAsync("n1.test", CancellationToken.None).WaitAsync(Box));
        Assert.StartsWith("'n1.test' is the last active node:", refused.Message, StringComparison.Ordinal);
    }

    private static MembershipChanges Changes(FanOutHarness h) =>
        h.Create<MembershipChanges>(new MembershipGate(h.Create<ReplicaVersions>()));
}
