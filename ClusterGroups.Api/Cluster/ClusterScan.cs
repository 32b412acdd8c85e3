using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Cluster;

// GroupCount: from the node's digest; null when not counted (health) or the node keeps no digest (counting it would
// mean listing it).
// Role: what the node is to the cluster (Active, Joining, Out: Membership).
public sealed record NodeStatus(
    string Name, string Address, bool Reachable, double LatencyMs, long? GroupCount, bool HonoursIdempotency, string? Error,
    string Role = nameof(MemberRole.Active));

// NodeCount and ReachableCount speak of the nodes operations write (active and joining); Epoch: the membership's.
public sealed record ClusterView(int NodeCount, int ReachableCount, IReadOnlyList<NodeStatus> Nodes, long Epoch = 0);

public sealed record GroupView(
    string GroupId, bool Consistent, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn, IReadOnlyList<string> Unreachable);

public sealed record GroupEntry(string GroupId, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn);

// One page of the cluster's groups. Consistent speaks of this page; Next is the cursor of the next page (null: last).
public sealed record GroupListView(bool Consistent, IReadOnlyList<GroupEntry> Groups, IReadOnlyList<string> Unreachable, string? Next);

// Reads (never writes) every node in parallel: the views behind GET /v1/groups, /v1/group/{id}, /v1/cluster and
// /health. None of them lists every group: reachability is GET /, counts come from digests, listing goes by bucket.
public sealed class ClusterScan(ClusterDirectory cluster, ClusterMembership membership, INodeClient nodes, ClusterDigests digests)
{
    public const int DefaultPageSize = 1_000;
    public const int MaxPageSize = 10_000;

    // withCounts: also each node's digest (its total); /health leaves it out and costs one GET / per node.
    public async Task<ClusterView> StatusAsync(bool withCounts, CancellationToken ct)
    {
        var members = await membership.ViewAsync(ct);
        var statuses = await Task.WhenAll(cluster.Nodes.Where(n => members.RoleOf(n.Name) is not null).Select(async node =>
        {
            var (info, call) = await nodes.InfoAsync(node, ct);
            long? count = null;
            if (info is not null && withCounts)
            {
                var (digest, _) = await nodes.DigestAsync(node, digests.WholeListTimeout(node), ct);
                count = digest?.Total;
            }

            return new NodeStatus(node.Name, node.BaseAddress.ToString(), info is not null, Math.Round(call.DurationMs, 2),
                count, call.KeysHonoured, info is null ? call.ToString() : null, members.RoleOf(node.Name)!.Value.ToString());
        }));
        var written = statuses.Where(s => s.Role != nameof(MemberRole.Out)).ToList();
        return new ClusterView(written.Count, written.Count(s => s.Reachable), statuses, members.Epoch);
    }

    // A page is whole buckets from the cursor on (the cursor is a bucket number), until at least limit groups:
    // the Api holds one page, never the cluster. Order: by bucket, then ordinal within a bucket.
    public async Task<GroupListView> ListGroupsAsync(int fromBucket, int limit, CancellationToken ct)
    {
        // Only active nodes are read as truth: a joining node is still being filled, a drained one is out.
        var truth = membership.Nodes((await membership.ViewAsync(ct)).Truth);
        var scan = await digests.ScanAsync(truth, ct);
        var unreachable = scan.Unreachable.ToHashSet();
        var reachable = scan.Reachable.ToList();
        var groups = new List<GroupEntry>();
        var bucket = fromBucket;
        for (; bucket < GroupBuckets.Count && groups.Count < limit; bucket++)
        {
            if (reachable.All(n => n.Digest!.Counts[bucket] == 0))
            {
                continue;
            }

            var perNode = await digests.BucketAsync(scan, bucket, ct);
            unreachable.UnionWith(perNode.Where(n => n.Ids is null).Select(n => n.Node.Name));
            groups.AddRange(Merge(perNode.Where(n => n.Ids is not null).ToList()));
        }

        var next = bucket < GroupBuckets.Count ? bucket.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return new GroupListView(unreachable.Count == 0 && groups.All(g => g.MissingOn.Count == 0), groups,
            [.. truth.Select(n => n.Name).Where(unreachable.Contains)], next);
    }

    // Where each id of one bucket is and is not, among the nodes that answered.
    public static IEnumerable<GroupEntry> Merge(IReadOnlyList<(ClusterNode Node, IReadOnlyList<string>? Ids)> perNode) =>
        perNode
            .SelectMany(n => n.Ids!.Select(id => (GroupId: id, n.Node.Name)))
            .GroupBy(x => x.GroupId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var present = g.Select(x => x.Name).Distinct().ToList();
                return new GroupEntry(g.Key, present, [.. perNode.Select(n => n.Node.Name).Except(present)]);
            });

    public async Task<GroupView> ReadGroupAsync(string groupId, CancellationToken ct) =>
        await ReadGroupAsync(groupId, membership.Nodes((await membership.ViewAsync(ct)).Truth), ct);

    // The group on the given nodes, read one GET each, in parallel.
    public async Task<GroupView> ReadGroupAsync(string groupId, IEnumerable<ClusterNode> on, CancellationToken ct)
    {
        var reads = await Task.WhenAll(on.Select(async node => (node, call: await nodes.ReadAsync(node, groupId, ct))));
        var present = reads.Where(r => r.call.Present == true).Select(r => r.node.Name).ToList();
        var missing = reads.Where(r => r.call.Present == false).Select(r => r.node.Name).ToList();
        var unreachable = reads.Where(r => r.call.Present is null).Select(r => r.node.Name).ToList();
        return new GroupView(groupId, unreachable.Count == 0 && (present.Count == 0 || missing.Count == 0), present, missing, unreachable);
    }
}
