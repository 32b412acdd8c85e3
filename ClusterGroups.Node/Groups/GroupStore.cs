using ClusterGroups.Contracts;
using ClusterGroups.Storage;
using StackExchange.Redis;

namespace ClusterGroups.Node.Groups;

public enum WriteResult
{
    Applied,
    Replayed,
    AlreadySo,
    // The write carried a lower fencing token than this node has seen for the group.
    Fenced,
    // The write's key was aborted here (or used for another write): it never applies.
    Aborted,
}

// What a takeover learned of one operation on this node: the group's presence and the key that made it so, and the
// records of the operation's apply and undo keys ("create:applied", "delete:alreadyso", "abort:aborted", ...).
public sealed record TakeOverState(bool Present, string? WrittenBy, string Apply, string? Undo);

// A write as the store recorded it: what happened, and for a replay what the first copy did.
public readonly record struct WriteOutcome(WriteResult Result, WriteResult? First = null, long? SeenToken = null);

// A node's groups live in one Redis hash: field = groupId, value = the Idempotency-Key of the write that created it
// ("~" for none). Beside it, per group the highest fencing token seen ("fence" hash), per key the outcome of the write
// that used it ("idem:{key}", kept for the replay window whatever later writes do to the group), and the tombstone of
// the group's last delete ("deleted-by:{groupId}" = "{deleting key} {creating key}", no expiry): with the creating
// key in the hash, the state itself names the writes that made it, after their records expired.
// For anti-entropy (GroupBuckets): per bucket b a set "bucket:{b}" of its ids, and in the "digest" hash "b:n" (count),
// "b:lo" / "b:hi" (sums of the ids' hash halves, HINCRBY on integers the node computes: no Lua bit operations).
// "digest:rebuild" marks a digest rebuild under way (DigestRebuild): the digest is not trusted while it is there.
// Every write is one Lua script (NodeScripts; the store runs Lua: Garnet with --lua --lua-transaction-mode, Redis).
// Of N concurrent POSTs of one id exactly one creates it.
public sealed class GroupStore(IRedisStore store)
{
    private const string GroupsKey = "groups";
    private const string FenceKey = "fence";
    private const string DigestKey = "digest";
    private const string BucketPrefix = "bucket:";
    private const string RebuildMark = "digest:rebuild";

    // The creator of a group written without a key. Not a valid Idempotency-Key, so it never matches one
    // (and not "": an empty hash value does not read back as present on every store).
    private const string NoKey = "~";
    private static readonly TimeSpan ReplayWindow = TimeSpan.FromDays(1);

    public Task<WriteOutcome> CreateAsync(string groupId, string? key, long? token = null) =>
        WriteAsync(NodeScripts.Create, groupId, key, token);

    public Task<WriteOutcome> DeleteAsync(string groupId, string? key, long? token = null) =>
        WriteAsync(NodeScripts.Delete, groupId, key, token);

    // The writes of one batch request, in one store script (StoreBatch).
    public StoreBatch Batch(int items) => new(store, items);

    /// <summary>Closes the door on the write with <paramref name="key"/>: from now on it never applies here.</summary>
    /// <returns>What that write had done here before (Applied, AlreadySo), Aborted if it had not arrived, or Fenced.</returns>
    public async Task<(WriteOutcome Outcome, string Write)> AbortAsync(string groupId, string key, long? token)
    {
        var result = (RedisResult[])(await store.EvaluateAsync(NodeScripts.Abort,
            [GroupsKey, FenceKey, IdempotencyRecord(key), DeletedBy(groupId), LegacyDeleteTombstone(key)],
            [groupId, key, Token(token), Window]))!;
        var tag = (string)result[0]!;
        if (tag == "fenced")
        {
            return (new WriteOutcome(WriteResult.Fenced, SeenToken: (long)result[1]), "abort");
        }

        var record = tag == "known" ? (string)result[1]! : "abort:aborted";
        var (write, first) = ParseRecord(record);
        return (new WriteOutcome(first), write);
    }

    /// <summary>A takeover: the group fenced at <paramref name="token"/>, then what the operation whose keys these are
    /// did here (NodeScripts.TakeOver). Null when a higher token was seen (returned as <c>Seen</c>).</summary>
    public async Task<(TakeOverState? State, long? Seen)> TakeOverAsync(string groupId, string applyKey, string undoKey, long token)
    {
        var result = (RedisResult[])(await store.EvaluateAsync(NodeScripts.TakeOver,
            [FenceKey, IdempotencyRecord(applyKey), IdempotencyRecord(undoKey), GroupsKey, DeletedBy(groupId)],
            [groupId, Token(token), Window, applyKey, undoKey]))!;
        var tag = (string)result[0]!;
        if (tag == "fenced")
        {
            return (null, (long)result[1]);
        }

        // Present: the creating key; absent: the tombstone, of which the deleting key.
        var raw = (string?)result[1];
        var writtenBy = tag == "present" ? raw : raw is { Length: > 0 } tombstone ? Deleter(tombstone) : null;
        return (new TakeOverState(tag == "present", writtenBy is null or "" or NoKey ? null : writtenBy,
            (string)result[2]!, ((string?)result[3]) is { Length: > 0 } undo ? undo : null), null);
    }

    private async Task<WriteOutcome> WriteAsync(string script, string groupId, string? key, long? token)
    {
        var hash = GroupBuckets.Hash(groupId);
        var bucket = GroupBuckets.Of(hash);
        var (low, high) = GroupBuckets.Halves(hash);
        var sign = script == NodeScripts.Create ? 1 : -1;
        var result = (RedisResult[])(await store.EvaluateAsync(script,
            [GroupsKey, FenceKey, IdempotencyRecord(key ?? NoKey), DeletedBy(groupId), LegacyDeleteTombstone(key ?? NoKey),
             DigestKey, BucketKey(bucket)],
            [groupId, key ?? NoKey, Token(token), Window, bucket, sign * low, sign * high]))!;
        var tag = (string)result[0]!;
        return tag switch
        {
            "applied" => new WriteOutcome(WriteResult.Applied),
            "alreadyso" => new WriteOutcome(WriteResult.AlreadySo),
            "fenced" => new WriteOutcome(WriteResult.Fenced, SeenToken: (long)result[1]),
            _ => Replay(script, (string)result[1]!),
        };
    }

    // A key used before is answered as its first write was, and changes nothing. A key aborted, or used by a write
    // of the other kind, is refused.
    private static WriteOutcome Replay(string script, string record)
    {
        var (write, first) = ParseRecord(record);
        return write == (script == NodeScripts.Create ? "create" : "delete") && first is WriteResult.Applied or WriteResult.AlreadySo
            ? new WriteOutcome(WriteResult.Replayed, first)
            : new WriteOutcome(WriteResult.Aborted);
    }

    private static (string Write, WriteResult Result) ParseRecord(string record)
    {
        var parts = record.Split(':', 2);
        var result = parts.Length == 2 ? parts[1] : "";
        return (parts[0], result switch
        {
            "applied" => WriteResult.Applied,
            "alreadyso" => WriteResult.AlreadySo,
            _ => WriteResult.Aborted,
        });
    }

    // Present: the key of the write that created it ("" if none). Absent: the key of the write that deleted it, if known.
    public async Task<(bool Present, string? CreatedBy, string? DeletedBy)> ReadAsync(string groupId)
    {
        var creator = (RedisValue)await store.ExecuteAsync("HGET", GroupsKey, groupId);
        if (creator.HasValue)
        {
            return (true, creator == NoKey ? null : creator.ToString(), null);
        }

        var tombstone = (RedisValue)await store.ExecuteAsync("GET", DeletedBy(groupId));
        return (false, null, tombstone.HasValue ? Deleter(tombstone.ToString()) : null);
    }

    // The tombstone is "{deleting key} {creating key}" ('~' for none); an older node wrote the deleting key alone.
    private static string? Deleter(string tombstone)
    {
        var space = tombstone.IndexOf(' ', StringComparison.Ordinal);
        var deleter = space < 0 ? tombstone : tombstone[..space];
        return deleter == NoKey ? null : deleter;
    }

    // Small enough that one script stays well under the client's 5 s timeout on a loaded machine.
    public const int BulkBatch = 500;

    // Everything at once: the seed's GET /v1/groups (its client knows no pages). O(groups) in time and memory.
    public async Task<IReadOnlyList<string>> ListAsync()
    {
        var ids = (RedisValue[])(await store.ExecuteAsync("HKEYS", GroupsKey))!;
        return [.. ids.Select(id => id.ToString()).Order(StringComparer.Ordinal)];
    }

    // One page by the store's own cursor (HSCAN): every group present for the whole walk is returned at least once,
    // whatever is written meanwhile (a group may come twice if the hash grows mid-walk; one created or deleted
    // during the walk may or may not be seen). A sorted set would give a stable order but cost a second index on
    // every write; the guarantee callers need ("nothing that stayed is missed") is HSCAN's. Cursor "0" = the start;
    // the next cursor is null at the end. COUNT is a hint: a page can be somewhat larger or smaller than limit.
    public async Task<(IReadOnlyList<string> Ids, string? Next)> PageAsync(string cursor, int limit)
    {
        var reply = (RedisResult[])(await store.ExecuteAsync("HSCAN", GroupsKey, cursor, "COUNT", limit))!;
        var next = reply[0].ToString();
        var fields = (RedisResult[])reply[1]!;
        var ids = new List<string>(fields.Length / 2);
        for (var i = 0; i < fields.Length; i += 2)
        {
            ids.Add(fields[i].ToString());
        }

        return (ids, next == "0" ? null : next);
    }

    // Per bucket: count and hash (GroupBuckets.Format), with what the digest must cover, read in one script (one
    // instant): the number of groups (HLEN) and whether a rebuild is under way. One HGETALL of at most 3 x 1 024
    // fields, whatever the size.
    public async Task<DigestState> DigestAsync()
    {
        var reply = (RedisResult[])(await store.EvaluateAsync(NodeScripts.DigestRead, [GroupsKey, DigestKey, RebuildMark], []))!;
        var counts = new int[GroupBuckets.Count];
        var low = new long[GroupBuckets.Count];
        var high = new long[GroupBuckets.Count];
        var fields = (RedisValue[])reply[2]!;
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            var field = fields[i].ToString();
            var colon = field.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !int.TryParse(field.AsSpan(0, colon), out var bucket) || bucket is < 0 or >= GroupBuckets.Count)
            {
                continue;
            }

            var value = (long)fields[i + 1];
            switch (field[(colon + 1)..])
            {
                case "n": counts[bucket] = (int)value; break;
                case "lo": low[bucket] = value; break;
                case "hi": high[bucket] = value; break;
            }
        }

        return new DigestState(counts, [.. Enumerable.Range(0, GroupBuckets.Count).Select(b => GroupBuckets.Format(low[b], high[b]))],
            (long)reply[0], ((string?)reply[1]) is { Length: > 0 });
    }

    // Digest rebuild, step 1: one page of the groups hash (HSCAN), each id put into its bucket set if it is still a
    // group; returns how many were missing there and the next cursor (null at the end).
    public async Task<(int Added, string? Next)> RebuildAddAsync(string cursor, int count)
    {
        var (ids, next) = await PageAsync(cursor, count);
        if (ids.Count == 0)
        {
            return (0, next);
        }

        var keys = new List<RedisKey> { GroupsKey };
        var keyIndex = new Dictionary<int, int>();
        var args = new RedisValue[ids.Count * 2];
        for (var i = 0; i < ids.Count; i++)
        {
            var bucket = GroupBuckets.Of(ids[i]);
            if (!keyIndex.TryGetValue(bucket, out var index))
            {
                keys.Add(BucketKey(bucket));
                keyIndex[bucket] = index = keys.Count;   // Lua's KEYS is 1-based
            }

            args[i * 2] = ids[i];
            args[i * 2 + 1] = index;
        }

        return ((int)await store.EvaluateAsync(NodeScripts.RebuildAdd, [.. keys], args), next);
    }

    // Digest rebuild, step 2, one bucket: its set is read, then in one script the ids that are no groups (or of
    // another bucket) leave it and the bucket's digest is set to the sums of the rest, if they are the whole set.
    // Returns how many ids left the set, and false if the set gained a member meanwhile (read it again).
    public async Task<(int Removed, bool Done)> RebuildBucketAsync(int bucket)
    {
        var members = (RedisValue[])(await store.ExecuteAsync("SMEMBERS", BucketKey(bucket)))!;
        var args = new RedisValue[1 + members.Length * 4];
        args[0] = bucket;
        for (var i = 0; i < members.Length; i++)
        {
            var id = members[i].ToString();
            var hash = GroupBuckets.Hash(id);
            var (low, high) = GroupBuckets.Halves(hash);
            args[1 + i * 4] = id;
            args[2 + i * 4] = low;
            args[3 + i * 4] = high;
            args[4 + i * 4] = GroupBuckets.Of(hash) == bucket ? "1" : "0";
        }

        var reply = (RedisResult[])(await store.EvaluateAsync(NodeScripts.RebuildBucket, [GroupsKey, DigestKey, BucketKey(bucket)], args))!;
        return ((int)reply[1], (string?)reply[0] == "done");
    }

    public Task BeginRebuildAsync(string rebuildId) => store.ExecuteAsync("SET", RebuildMark, rebuildId);

    // True if this rebuild's mark was the one there (no later rebuild began meanwhile).
    public async Task<bool> EndRebuildAsync(string rebuildId) =>
        (int)await store.EvaluateAsync(NodeScripts.RebuildDone, [RebuildMark], [rebuildId]) == 1;

    public async Task<IReadOnlyList<string>> BucketAsync(int bucket) =>
        [.. ((RedisValue[])(await store.ExecuteAsync("SMEMBERS", BucketKey(bucket)))!).Select(id => id.ToString()).Order(StringComparer.Ordinal)];

    private static readonly RedisKey[] AllKeys =
        [GroupsKey, DigestKey, RebuildMark, .. Enumerable.Range(0, GroupBuckets.Count).Select(BucketKey)];

    // The groups, their buckets and the digest (and a rebuild's mark: nothing is left to cover); fences, key records
    // and tombstones stay, so a write from before the wipe is still fenced or replayed.
    public Task DeleteAllAsync() => store.EvaluateAsync(NodeScripts.Wipe, AllKeys, []);

    // Creates (without a key) those of the ids not there yet, BulkBatch per script; returns how many it created.
    public async Task<int> BulkCreateAsync(IEnumerable<string> groupIds, CancellationToken ct)
    {
        var created = 0;
        foreach (var batch in groupIds.Chunk(BulkBatch))
        {
            ct.ThrowIfCancellationRequested();
            var keys = new List<RedisKey> { GroupsKey, DigestKey };
            var keyIndex = new Dictionary<int, int>();
            var args = new RedisValue[batch.Length * 5];
            for (var i = 0; i < batch.Length; i++)
            {
                var hash = GroupBuckets.Hash(batch[i]);
                var bucket = GroupBuckets.Of(hash);
                var (low, high) = GroupBuckets.Halves(hash);
                if (!keyIndex.TryGetValue(bucket, out var index))
                {
                    keys.Add(BucketKey(bucket));
                    keyIndex[bucket] = index = keys.Count;   // Lua's KEYS is 1-based
                }

                args[i * 5] = batch[i];
                args[i * 5 + 1] = bucket;
                args[i * 5 + 2] = low;
                args[i * 5 + 3] = high;
                args[i * 5 + 4] = index;
            }

            created += (int)await store.EvaluateAsync(NodeScripts.BulkCreate, [.. keys], args);
        }

        return created;
    }

    private static string BucketKey(int bucket) => $"{BucketPrefix}{bucket}";

    private static string Token(long? token) => token?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";

    private static readonly string Window = ((long)ReplayWindow.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static RedisKey IdempotencyRecord(string key) => $"idem:{key}";

    // Written by nodes before durable idempotency (a delete's key -> the group it deleted); read for one replay window.
    private static RedisKey LegacyDeleteTombstone(string key) => $"idem:delete:{key}";

    private static string DeletedBy(string groupId) => $"deleted-by:{groupId}";
}
