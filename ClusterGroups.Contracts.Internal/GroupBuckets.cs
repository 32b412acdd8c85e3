using System.IO.Hashing;
using System.Text;

namespace ClusterGroups.Contracts;

// Anti-entropy by digest: every groupId falls into one of Count buckets by a stable 64-bit hash of its UTF-8 bytes
// (XxHash64, seed 0: the same in every process, version and platform). A node keeps, per bucket, the number of its
// groups and the sums of the two 32-bit halves of their hashes, updated in the same atomic store script as every
// create and delete. Sums, not XOR: the store adds them with HINCRBY (exact 64-bit integers), so no Lua arithmetic or
// bit library is needed, and a delete subtracts exactly what its create added. Two nodes whose (count, hash) of a
// bucket agree hold the same ids there (a different set agreeing on both sums is a 2^-64 accident); comparing 1 024
// buckets costs the same at a thousand groups and at a million.
public static class GroupBuckets
{
    public const int Count = 1024;

    public static ulong Hash(string groupId) => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(groupId));

    // The top bits choose the bucket, so it does not depend on Count dividing anything.
    public static int Of(string groupId) => Of(Hash(groupId));

    public static int Of(ulong hash) => (int)(hash >> 54);

    // What one group adds to its bucket's sums (and a delete subtracts).
    public static (long Low, long High) Halves(ulong hash) => ((long)(hash & 0xFFFF_FFFF), (long)(hash >> 32));

    // A bucket's hash as it goes on the wire: each sum taken modulo 2^32, the high half first, as 16 hex digits.
    // Order-independent: any order of creates and deletes that ends with the same ids gives the same string.
    public static string Format(long lowSum, long highSum) =>
        $"{(ulong)(uint)highSum << 32 | (uint)lowSum:x16}";

    public static string Empty { get; } = Format(0, 0);

    // The digest of a list of ids, for a node that keeps none (the seed's): the Api computes it from a listing.
    public static NodeDigest Compute(string nodeId, IEnumerable<string> groupIds)
    {
        var sums = new BucketSums();
        foreach (var id in groupIds)
        {
            sums.Add(Hash(id));
        }

        return sums.ToDigest(nodeId);
    }
}

// A digest built one group at a time (GroupBuckets.Compute; the journal's desired state, read page by page).
public sealed class BucketSums
{
    private readonly int[] _counts = new int[GroupBuckets.Count];
    private readonly long[] _low = new long[GroupBuckets.Count];
    private readonly long[] _high = new long[GroupBuckets.Count];

    public void Add(ulong hash)
    {
        var bucket = GroupBuckets.Of(hash);
        var (low, high) = GroupBuckets.Halves(hash);
        _counts[bucket]++;
        _low[bucket] += low;
        _high[bucket] += high;
    }

    public NodeDigest ToDigest(string name) =>
        new(name, GroupBuckets.Count, _counts.Sum(c => (long)c), [.. _counts],
            [.. Enumerable.Range(0, GroupBuckets.Count).Select(b => GroupBuckets.Format(_low[b], _high[b]))]);
}

// GET /v1/digest: per bucket (index = bucket), the node's group count and the bucket's hash (GroupBuckets.Format).
public sealed record NodeDigest(string NodeId, int BucketCount, long Total, IReadOnlyList<int> Counts, IReadOnlyList<string> Hashes)
{
    public bool SameBucket(NodeDigest other, int bucket) =>
        Counts[bucket] == other.Counts[bucket] && Hashes[bucket] == other.Hashes[bucket];
}

// GET /v1/digest/{bucket}: the ids of one bucket, ordinal order.
public sealed record NodeBucket(string NodeId, int Bucket, IReadOnlyList<string> GroupIds);

// GET /v1/groups?cursor=&limit=: one page of the node's groups; Next is null on the last page.
public sealed record NodeGroupPage(string NodeId, IReadOnlyList<NodeGroup> Groups, string? Next);

// POST /admin/groups/bulk (cluster key): fills the store with Count groups named {Prefix}{0..Count-1}, or the given ids.
public sealed record BulkLoadRequest(string? Prefix, int? Count, IReadOnlyList<string>? GroupIds);

public sealed record BulkLoadResult(string NodeId, int Requested, int Created, double DurationMs);
