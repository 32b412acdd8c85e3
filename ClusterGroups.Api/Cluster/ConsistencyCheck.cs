using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using System.Collections.Concurrent;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Journal;

namespace ClusterGroups.Api.Cluster;

// Desired: what the desired state says of the group (present/absent, the operation that set it), if anything.
public sealed record DivergentGroup(
    string GroupId, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn, LastOperation? LastOperation,
    DesiredGroup? Desired = null);

// Counts: each reachable node's number of groups (from its digest, or its listing). DifferingBuckets: how many of the
// GroupBuckets.Count buckets were listed because their digests differ. StaleDigests: nodes whose digest did not cover
// their data, with the node's reason; they were listed in full instead, so the report still speaks of what it saw.
public sealed record ConsistencyReport(
    bool Consistent, DateTimeOffset CheckedAt, IReadOnlyList<string> Nodes, IReadOnlyList<string> Unreachable,
    IReadOnlyList<DivergentGroup> Divergent, IReadOnlyDictionary<string, long>? Counts = null, int DifferingBuckets = 0,
    IReadOnlyDictionary<string, string>? StaleDigests = null)
{
    public string Summary => (Consistent
        ? $"consistent: every group is on all {Nodes.Count} nodes"
        : $"{Divergent.Count} divergent group(s){(Unreachable.Count > 0 ? $", unreachable: {string.Join(", ", Unreachable)}" : "")}")
        + (StaleDigests is { Count: > 0 } stale ? $" (digest stale on {string.Join(", ", stale.Keys)}: listed in full)" : "");
}

// Anti-entropy by digest: compares the nodes' bucket digests, lists only the buckets that differ, and names each group
// there that is not on every node, with the last operation the journal knows on it and its desired state. Costs
// O(buckets) per node plus O(what differs), not O(groups).
public sealed class ConsistencyCheck(
    ClusterDigests digests, ClusterScan clusterScan, ICoordinator coordinator, TimeProvider time)
{
    private const int ParallelBuckets = 8;

    // How far another Api replica's clock may lag this one's when it stamps an operation's end (see ReadAgainAsync).
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    public async Task<ConsistencyReport> RunAsync(CancellationToken ct)
    {
        var listedFrom = time.GetUtcNow();
        var scan = await digests.ScanAsync(ct);
        var differing = scan.DifferingBuckets();
        var found = new ConcurrentBag<GroupEntry>();
        var lost = new ConcurrentDictionary<string, bool>();
        await Concurrently.ForEachAsync(differing, ParallelBuckets,
            async bucket =>
            {
                var perNode = await digests.BucketAsync(scan, bucket, ct);
                foreach (var node in perNode.Where(n => n.Ids is null))
                {
                    lost[node.Node.Name] = true;
                }

                // A node that did not answer for this bucket cannot say it lacks a group: it is left out, and named unreachable.
                foreach (var entry in ClusterScan.Merge([.. perNode.Where(n => n.Ids is not null)]).Where(e => e.MissingOn.Count > 0))
                {
                    found.Add(entry);
                }
            });

        var groups = found.OrderBy(g => g.GroupId, StringComparer.Ordinal).ToList();
        var desired = await coordinator.GetDesiredAsync([.. groups.Select(g => g.GroupId)], ct);
        var divergent = new List<DivergentGroup>(groups.Count);
        foreach (var listed in groups)
        {
            var last = await coordinator.LastForGroupAsync(listed.GroupId, ct);
            var group = last is { EndedAt: { } ended } && ended >= listedFrom - ClockSkew
                ? await ReadAgainAsync(scan, listed, ct)
                : listed;
            if (group is not null)
            {
                divergent.Add(new DivergentGroup(group.GroupId, group.PresentOn, group.MissingOn,
                    last is null ? null : LastOperation.From(last),
                    desired.GetValueOrDefault(group.GroupId)));
            }
        }

        // The nodes compared are those operations write (a drained node is out of the check, a joining one in it).
        var compared = scan.Nodes.Select(n => n.Node.Name).ToList();
        var unreachable = compared.Where(n => scan.Unreachable.Contains(n) || lost.ContainsKey(n)).ToList();
        return new ConsistencyReport(
            divergent.Count == 0 && unreachable.Count == 0, time.GetUtcNow(),
            compared, unreachable, divergent,
            scan.Reachable.ToDictionary(n => n.Node.Name, n => n.Digest!.Total), differing.Count,
            scan.Stale is { Count: > 0 } stale ? stale : null);
    }

    // The nodes are listed one after another, bucket by bucket, while operations go on: a group whose last operation
    // ended after the listing began may have been listed mid-write (on node1 before its write got there, on node2
    // after), and a committed operation then looks like divergence it explains, which the reconciler would "repair"
    // with an operation of its own. Such a group is read again on the nodes it was listed on, now that its operation
    // is closed: gone from the report (null) if they agree, else as they are now. A node that does not answer leaves
    // the group as listed.
    private async Task<GroupEntry?> ReadAgainAsync(DigestScan scan, GroupEntry listed, CancellationToken ct)
    {
        var names = listed.PresentOn.Concat(listed.MissingOn).ToHashSet(StringComparer.Ordinal);
        var now = await clusterScan.ReadGroupAsync(listed.GroupId, scan.Nodes.Select(n => n.Node).Where(n => names.Contains(n.Name)), ct);
        return now.Unreachable.Count > 0 ? listed
            : now.Consistent ? null
            : new GroupEntry(listed.GroupId, now.PresentOn, now.MissingOn);
    }
}
