using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using System.Collections.Concurrent;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Journal;
using ClusterGroups.Contracts;

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
// O(buckets) per node plus O(what differs), not O(groups). Against the journal (the audit) it also compares the nodes
// with the journal's desired state (JournalDigest, O(groups) in the coordinator) and names the groups every node holds
// that the journal says are absent, and those the journal says are present that no node holds: a difference the nodes
// share, which comparing them with each other cannot see.
public sealed class ConsistencyCheck(
    ClusterDigests digests, ClusterScan clusterScan, ICoordinator coordinator, JournalDigest journal, TimeProvider time)
{
    private const int ParallelBuckets = 8;

    // How far another Api replica's clock may lag this one's when it stamps an operation's end (see ReadAgainAsync).
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    // The nodes compared with each other only.
    public Task<ConsistencyReport> RunAsync(CancellationToken ct) => RunAsync(againstJournal: false, ct);

    public async Task<ConsistencyReport> RunAsync(bool againstJournal, CancellationToken ct)
    {
        var listedFrom = time.GetUtcNow();
        // The journal is read before the nodes: a decision recorded after this read belongs to an operation that ended
        // after listedFrom, whose group is read again below.
        var decisions = againstJournal ? await journal.ReadAsync(ct) : null;
        var scan = await digests.ScanAsync(ct);
        var differing = scan.DifferingBuckets();
        // A difference every node shares is in a bucket that holds a decision, and leaves every node's digest off the
        // journal's there: a node that agrees with the journal holds exactly the groups desired present (the digests'
        // 2^-64), so the others cannot all hold a group it lacks or lack one it holds. Only those buckets are listed for it.
        var audited = decisions is null || !scan.Reachable.Any() ? [] : decisions.Decided
            .Where(b => scan.Reachable.All(n => !n.Digest!.SameBucket(decisions.Present, b)))
            .ToHashSet();
        var desiredThere = audited.Count > 0 ? await journal.BucketsAsync(audited, ct) : null;
        var found = new ConcurrentBag<GroupEntry>();
        var lost = new ConcurrentDictionary<string, bool>();
        await Concurrently.ForEachAsync(differing.Union(audited).Order().ToList(), ParallelBuckets,
            async bucket =>
            {
                var perNode = await digests.BucketAsync(scan, bucket, ct);
                foreach (var node in perNode.Where(n => n.Ids is null))
                {
                    lost[node.Node.Name] = true;
                }

                // A node that did not answer for this bucket cannot say it lacks a group: it is left out, and named unreachable.
                var answered = perNode.Where(n => n.Ids is not null).ToList();
                var entries = ClusterScan.Merge(answered).ToList();
                foreach (var entry in entries.Where(e => e.MissingOn.Count > 0))
                {
                    found.Add(entry);
                }

                if (desiredThere?.GetValueOrDefault(bucket) is { } desired && answered.Count > 0)
                {
                    foreach (var entry in SharedDifferences(entries, desired, [.. answered.Select(n => n.Node.Name)]))
                    {
                        found.Add(entry);
                    }
                }
            });

        var groups = found.OrderBy(g => g.GroupId, StringComparer.Ordinal).ToList();
        var desiredOf = await coordinator.GetDesiredAsync([.. groups.Select(g => g.GroupId)], ct);
        var divergent = new List<DivergentGroup>(groups.Count);
        foreach (var listed in groups)
        {
            var last = await coordinator.LastForGroupAsync(listed.GroupId, ct);
            var recent = last is { EndedAt: { } ended } && ended >= listedFrom - ClockSkew;
            // A recent operation may have changed the desired state too: read again first, then the nodes.
            var desired = recent && againstJournal
                ? (await coordinator.GetDesiredAsync([listed.GroupId], ct)).GetValueOrDefault(listed.GroupId)
                : desiredOf.GetValueOrDefault(listed.GroupId);
            var group = recent ? await ReadAgainAsync(scan, listed, ct) : listed;
            if (Differs(group, againstJournal ? desired : null))
            {
                divergent.Add(new DivergentGroup(group.GroupId, group.PresentOn, group.MissingOn,
                    last is null ? null : LastOperation.From(last), desired));
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

    // In one bucket, the groups on which the nodes that answered agree with each other but not with the journal: on
    // every one of them while the journal says absent, or on none while it says present. (Groups the journal has no
    // decision for are not the audit's: a group written to the nodes directly stays a matter for the policies.)
    private static IEnumerable<GroupEntry> SharedDifferences(
        IReadOnlyList<GroupEntry> entries, IReadOnlyDictionary<string, DesiredGroup> desired, IReadOnlyList<string> nodes)
    {
        var listed = entries.Select(e => e.GroupId).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => e.MissingOn.Count == 0))
        {
            if (desired.GetValueOrDefault(entry.GroupId) is { Present: false })
            {
                yield return entry;
            }
        }

        foreach (var (groupId, _) in desired.Where(d => d.Value.Present && !listed.Contains(d.Key)))
        {
            yield return new GroupEntry(groupId, [], nodes);
        }
    }

    // Not on every node, or (desired given) not as the journal decided on all of them.
    private static bool Differs(GroupEntry group, DesiredGroup? desired) =>
        (group.PresentOn.Count > 0 && group.MissingOn.Count > 0)
        || (desired is { Present: true } && group.MissingOn.Count > 0)
        || (desired is { Present: false } && group.PresentOn.Count > 0);

    // The nodes are listed one after another, bucket by bucket, while operations go on: a group whose last operation
    // ended after the listing began may have been listed mid-write (on node1 before its write got there, on node2
    // after), and a committed operation then looks like divergence it explains, which the reconciler would "repair"
    // with an operation of its own. Such a group is read again on the nodes it was listed on, now that its operation
    // is closed: as they are now (Differs then judges it). A node that does not answer leaves the group as listed.
    private async Task<GroupEntry> ReadAgainAsync(DigestScan scan, GroupEntry listed, CancellationToken ct)
    {
        var names = listed.PresentOn.Concat(listed.MissingOn).ToHashSet(StringComparer.Ordinal);
        var now = await clusterScan.ReadGroupAsync(listed.GroupId, scan.Nodes.Select(n => n.Node).Where(n => names.Contains(n.Name)), ct);
        return now.Unreachable.Count > 0 ? listed : new GroupEntry(listed.GroupId, now.PresentOn, now.MissingOn);
    }
}
