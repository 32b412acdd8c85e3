using ClusterGroups.Contracts;
using CsCheck;

namespace ClusterGroups.UnitTests.Contracts;

// The digest math every node and the Api must agree on (GroupBuckets): a stable hash, buckets from its top bits,
// and per bucket a count and sums of hash halves that a create adds and a delete subtracts, in any order.
public sealed class GroupBucketsTests
{
    private static readonly Gen<string> Id = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_.:"], 1, 40];

    [Fact]
    public void The_hash_is_XxHash64_of_the_utf8_bytes_and_the_bucket_its_top_ten_bits()
    {
        // XXH64("abc", seed 0), the reference implementation's published value: a change of hash would make every
        // node's digest disagree with an Api of another version.
        Assert.Equal(0x44BC2CF5AD770999UL, GroupBuckets.Hash("abc"));
        Assert.Equal(0x44BC2CF5AD770999UL >> 54, (ulong)GroupBuckets.Of("abc"));
        Assert.Equal(1024, GroupBuckets.Count);
        Assert.InRange(GroupBuckets.Of("zz-top"), 0, GroupBuckets.Count - 1);
    }

    [Fact]
    public void A_digest_depends_on_the_ids_only_not_on_their_order() =>
        Gen.Select(Id.HashSet[0, 300], Gen.Int).Sample((ids, seed) =>
        {
            var shuffled = ids.OrderBy(id => HashCode.Combine(id, seed)).ToList();
            var a = GroupBuckets.Compute("n", ids);
            var b = GroupBuckets.Compute("n", shuffled);
            return a.Total == ids.Count && a.Counts.SequenceEqual(b.Counts) && a.Hashes.SequenceEqual(b.Hashes);
        });

    // What a node's scripts do: HINCRBY of +1/-1 and of the signed halves, per bucket, create by create.
    [Fact]
    public void Creates_then_deletes_done_as_the_store_does_them_give_the_digest_of_what_remains() =>
        Gen.Select(Id.HashSet[1, 300], Gen.Int[0, 100]).Sample((ids, percentDeleted) =>
        {
            var counts = new long[GroupBuckets.Count];
            var low = new long[GroupBuckets.Count];
            var high = new long[GroupBuckets.Count];
            void Apply(string id, int sign)
            {
                var hash = GroupBuckets.Hash(id);
                var (l, h) = GroupBuckets.Halves(hash);
                var bucket = GroupBuckets.Of(hash);
                counts[bucket] += sign;
                low[bucket] += sign * l;
                high[bucket] += sign * h;
            }

            foreach (var id in ids)
            {
                Apply(id, +1);
            }

            var deleted = ids.Take(ids.Count * percentDeleted / 100).ToList();
            foreach (var id in deleted)
            {
                Apply(id, -1);
            }

            var expected = GroupBuckets.Compute("n", ids.Except(deleted));
            return expected.Counts.Select(c => (long)c).SequenceEqual(counts)
                   && expected.Hashes.SequenceEqual(Enumerable.Range(0, GroupBuckets.Count).Select(b => GroupBuckets.Format(low[b], high[b])));
        });

    [Fact]
    public void One_more_or_one_other_id_changes_its_buckets_digest() =>
        Gen.Select(Id.HashSet[1, 50], Id).Sample((ids, other) =>
        {
            if (ids.Contains(other))
            {
                return true;
            }

            var before = GroupBuckets.Compute("n", ids);
            var after = GroupBuckets.Compute("n", ids.Append(other));
            var swapped = GroupBuckets.Compute("n", ids.Skip(1).Append(other));
            var bucket = GroupBuckets.Of(other);
            return !before.SameBucket(after, bucket) && (GroupBuckets.Of(ids.First()) != bucket || !before.SameBucket(swapped, bucket));
        });

    [Fact]
    public void The_wire_hash_takes_each_sum_modulo_2_to_the_32()
    {
        Assert.Equal("0000000000000000", GroupBuckets.Empty);
        Assert.Equal("00000002ffffffff", GroupBuckets.Format(0xFFFF_FFFFL, 2));
        Assert.Equal(GroupBuckets.Format(5, 7), GroupBuckets.Format(5 + (3L << 32), 7 + (9L << 32)));
    }
}
