using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Nodes;

// The membership this replica plans operations under and reads the cluster by, as last read from the coordinator
// (Membership). A new operation's start step checks its epoch, so a view that is out of date is never acted on: the
// protocol reads it again (RefreshAsync) and plans anew. Views (reads, digests, health) use the last one read, at
// most RefreshEvery old when the coordinator answers, and keep the last one when it does not.
public sealed class ClusterMembership(ClusterDirectory cluster, ICoordinator coordinator, TimeProvider time)
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(1);

    private volatile Known? _known;

    // The last membership read (before any read: Cluster:Nodes, all active, epoch 0).
    public Membership Last => _known?.Membership ?? Membership.Initial(cluster.Configured.Select(n => n.Name));

    public async ValueTask<Membership> CurrentAsync(CancellationToken ct) =>
        _known is { } known && time.GetElapsedTime(known.ReadAt) < RefreshEvery ? known.Membership : await RefreshAsync(ct);

    // For views: refreshed when due, the last one read when the coordinator does not answer.
    public async ValueTask<Membership> ViewAsync(CancellationToken ct)
    {
        try
        {
            return await CurrentAsync(ct);
        }
        catch (CoordinatorStoreException)
        {
            return Last;
        }
    }

    public async Task<Membership> RefreshAsync(CancellationToken ct)
    {
        var read = await coordinator.GetMembershipAsync(ct) ?? Membership.Initial(cluster.Configured.Select(n => n.Name));
        cluster.Learn(read);
        var known = _known;
        // Two refreshes may cross: never go back to an older epoch.
        if (known is null || known.Membership.Epoch <= read.Epoch)
        {
            _known = new Known(read, time.GetTimestamp());
        }

        return _known!.Membership;
    }

    // The nodes of these names that this replica can reach, in membership order.
    public IReadOnlyList<ClusterNode> Nodes(IEnumerable<string> names) =>
        [.. names.Select(cluster.Find).OfType<ClusterNode>()];

    private sealed record Known(Membership Membership, long ReadAt);
}
