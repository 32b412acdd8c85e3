using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Model;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Cluster;

// The journal's desired state as a digest, the nodes' kind (GroupBuckets): the groups whose last decision is
// "present", summed per bucket. Comparing the nodes only with each other cannot see a difference every node shares
// (a committed group gone from all of them: a stale owner's late write on the only node left to compare, then copied
// by a backfill, docs/ARCHITECTURE.md, "Membership"); this digest compared with the nodes' can. Reading it costs a
// pass over every recorded desired state (O(groups), a page of Page at a time), so the consistency check does it only
// when asked (ConsistencyCheck's againstJournal: the audit), not in every round.
public sealed class JournalDigest(ICoordinator coordinator)
{
    public const string Name = "journal";
    private const int Page = 1_000;

    // The digest of the groups desired present, and the buckets that hold any decision (present or absent): only
    // those can hold a group the nodes got wrong against the journal. A group listed twice in the pass is counted once
    // (by its 64-bit hash: two ids sharing one are the 2^-64 accident the nodes' digests accept too).
    public async Task<JournalView> ReadAsync(CancellationToken ct)
    {
        var sums = new BucketSums();
        var counted = new HashSet<ulong>();
        var decided = new HashSet<int>();
        await foreach (var (groupId, desired) in AllAsync(ct))
        {
            var hash = GroupBuckets.Hash(groupId);
            decided.Add(GroupBuckets.Of(hash));
            if (desired.Present && counted.Add(hash))
            {
                sums.Add(hash);
            }
        }

        return new JournalView(sums.ToDigest(Name), decided);
    }

    // Every recorded desired state of the groups in these buckets (present and absent), by bucket.
    public async Task<IReadOnlyDictionary<int, Dictionary<string, DesiredGroup>>> BucketsAsync(IReadOnlySet<int> buckets, CancellationToken ct)
    {
        var found = buckets.ToDictionary(b => b, _ => new Dictionary<string, DesiredGroup>(StringComparer.Ordinal));
        await foreach (var (groupId, desired) in AllAsync(ct))
        {
            if (found.TryGetValue(GroupBuckets.Of(groupId), out var inBucket))
            {
                inBucket[groupId] = desired;
            }
        }

        return found;
    }

    private async IAsyncEnumerable<(string GroupId, DesiredGroup Desired)> AllAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? cursor = null;
        do
        {
            var page = await coordinator.ListDesiredAsync(cursor, Page, ct);
            foreach (var (groupId, desired) in page.Groups)
            {
                yield return (groupId, desired);
            }

            cursor = page.Next;
        }
        while (cursor is not null);
    }
}

// What the journal decided, as the audit compares it with the nodes: the digest of the groups desired present, and
// the buckets holding any decision.
public sealed record JournalView(NodeDigest Present, IReadOnlySet<int> Decided);
