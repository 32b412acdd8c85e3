using ClusterGroups.Contracts;
using StackExchange.Redis;

namespace ClusterGroups.Node.Groups;

public enum WriteResult { Applied, Replayed, AlreadySo }

// A node's groups in its Redis-protocol store:
//   groups          hash: field = groupId, value = the Idempotency-Key of the write that created it ("~" for none)
//   digest          hash: per bucket b (GroupBuckets) "b:n" its group count, "b:lo" / "b:hi" the sums of its ids' hash halves
//   bucket:{b}      set: the ids of bucket b (GET /v1/digest/{b} without scanning every group)
//   idem:delete:{k} / deleted-by:{id}   what a keyed delete leaves for replays and readers (a day)
// Every change is one Lua script (the store runs Lua: Garnet with --lua --lua-transaction-mode, Redis), so the
// group, its bucket and the digest never disagree, of N concurrent POSTs of one id exactly one creates it, and a write costs one round trip.
// The digest is plain HINCRBY arithmetic on integers the node computes (GroupBuckets.Halves): no Lua bit operations,
// which the stores do not offer alike.
public sealed class GroupStore(IConnectionMultiplexer redis)
{
    private const string GroupsKey = "groups";
    private const string DigestKey = "digest";
    private const string BucketPrefix = "bucket:";

    // The creator of a group written without a key. Not a valid Idempotency-Key, so it never matches one
    // (and not "": an empty hash value does not read back as present on every store).
    private const string NoKey = "~";
    private static readonly TimeSpan ReplayWindow = TimeSpan.FromDays(1);

    private IDatabase Db => redis.GetDatabase();

    // The scripts share one layout, so each reads the same way:
    //   KEYS[1] groups, KEYS[2] digest, KEYS[3] the group's bucket set (KEYS[4], KEYS[5]: see the keyed delete)
    //   ARGV[1] groupId, ARGV[2] bucket, ARGV[3] low half, ARGV[4] high half (negated for a delete), ARGV[5]...
    // Digest(sign) adds (create) or removes (delete) the group from its bucket's count and sums.
    private const string Digest = """
        local function digest(sign)
          redis.call('HINCRBY', KEYS[2], ARGV[2] .. ':n', sign)
          redis.call('HINCRBY', KEYS[2], ARGV[2] .. ':lo', ARGV[3])
          redis.call('HINCRBY', KEYS[2], ARGV[2] .. ':hi', ARGV[4])
        end

        """;

    // ARGV[5] the creator (Idempotency-Key or "~"). {1} = created; {0, creator} = it was there, created by creator.
    private const string Create = Digest + """
        local creator = redis.call('HGET', KEYS[1], ARGV[1])
        if creator then return {0, creator} end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])
        redis.call('SADD', KEYS[3], ARGV[1])
        digest(1)
        return {1}
        """;

    // 1 = deleted now, 0 = it was not there.
    private const string Delete = Digest + """
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('SREM', KEYS[3], ARGV[1])
        digest(-1)
        return 1
        """;

    // KEYS[4] the tombstone of this key, KEYS[5] the group's deleted-by. ARGV[5] the key, ARGV[6] the window in ms.
    // Delete and remember who deleted, so the same request sent again is answered as it was and a reader can tell
    // which operation removed the group. 1 = deleted now, 2 = this key deleted it before (replay), 0 = it was not there.
    private const string KeyedDelete = Digest + """
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
          redis.call('SREM', KEYS[3], ARGV[1])
          digest(-1)
          redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[6])
          redis.call('SET', KEYS[5], ARGV[5], 'PX', ARGV[6])
          return 1
        end
        if redis.call('GET', KEYS[4]) == ARGV[1] then return 2 end
        return 0
        """;

    // KEYS: groups, digest, then every bucket set. Every group, every bucket set and the digest go together.
    // (Every key a script touches is in KEYS: Garnet locks only those in --lua-transaction-mode.)
    private const string Wipe = """
        for i = 1, #KEYS do redis.call('DEL', KEYS[i]) end
        return 1
        """;

    // KEYS[1] groups, KEYS[2] digest, then the bucket sets this batch touches. ARGV: 5 values per group: groupId,
    // bucket, low, high, the index in KEYS of its bucket set. Creates those not there yet (without a key), adds each
    // bucket's deltas once; returns how many it created. The sums of one batch stay far below 2^53, exact in Lua's
    // doubles ('%.0f' prints them whole).
    private const string BulkCreate = """
        local created, n, lo, hi = 0, {}, {}, {}
        for i = 1, #ARGV, 5 do
          if redis.call('HSETNX', KEYS[1], ARGV[i], '~') == 1 then
            local b = ARGV[i + 1]
            redis.call('SADD', KEYS[tonumber(ARGV[i + 4])], ARGV[i])
            n[b] = (n[b] or 0) + 1
            lo[b] = (lo[b] or 0) + tonumber(ARGV[i + 2])
            hi[b] = (hi[b] or 0) + tonumber(ARGV[i + 3])
            created = created + 1
          end
        end
        for b, count in pairs(n) do
          redis.call('HINCRBY', KEYS[2], b .. ':n', count)
          redis.call('HINCRBY', KEYS[2], b .. ':lo', string.format('%.0f', lo[b]))
          redis.call('HINCRBY', KEYS[2], b .. ':hi', string.format('%.0f', hi[b]))
        end
        return created
        """;

    // Small enough that one script stays well under the client's 5 s timeout on a loaded machine.
    public const int BulkBatch = 500;

    public async Task<WriteResult> CreateAsync(string groupId, string? idempotencyKey)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(Create, Keys(groupId), Args(groupId, +1, idempotencyKey ?? NoKey)))!;
        if ((int)result[0] == 1)
        {
            return WriteResult.Applied;
        }

        // Sent again with the key of the write that created it: the first answer was lost, replay it.
        return idempotencyKey is not null && result[1].ToString() == idempotencyKey ? WriteResult.Replayed : WriteResult.AlreadySo;
    }

    public async Task<WriteResult> DeleteAsync(string groupId, string? idempotencyKey)
    {
        if (idempotencyKey is null)
        {
            return (int)await Db.ScriptEvaluateAsync(Delete, Keys(groupId), Args(groupId, -1)) == 1
                ? WriteResult.Applied : WriteResult.AlreadySo;
        }

        var result = (int)await Db.ScriptEvaluateAsync(KeyedDelete,
            [.. Keys(groupId), DeleteTombstone(idempotencyKey), DeletedBy(groupId)],
            Args(groupId, -1, idempotencyKey, (long)ReplayWindow.TotalMilliseconds));
        return result switch
        {
            1 => WriteResult.Applied,
            2 => WriteResult.Replayed,
            _ => WriteResult.AlreadySo,
        };
    }

    private static RedisKey[] Keys(string groupId) => [GroupsKey, DigestKey, BucketKey(GroupBuckets.Of(groupId))];

    private static RedisValue[] Args(string groupId, int sign, params RedisValue[] more)
    {
        var hash = GroupBuckets.Hash(groupId);
        var (low, high) = GroupBuckets.Halves(hash);
        return [groupId, GroupBuckets.Of(hash), sign * low, sign * high, .. more];
    }

    // Present: the key of the write that created it ("" if none). Absent: the key of the write that deleted it, if known.
    public async Task<(bool Present, string? CreatedBy, string? DeletedBy)> ReadAsync(string groupId)
    {
        var creator = await Db.HashGetAsync(GroupsKey, groupId);
        if (creator.HasValue)
        {
            return (true, creator == NoKey ? null : creator.ToString(), null);
        }

        var deleter = await Db.StringGetAsync(DeletedBy(groupId));
        return (false, null, deleter.HasValue ? deleter.ToString() : null);
    }

    // Everything at once: the seed's GET /v1/groups (its client knows no pages). O(groups) in time and memory.
    public async Task<IReadOnlyList<string>> ListAsync()
    {
        var ids = await Db.HashKeysAsync(GroupsKey);
        return [.. ids.Select(id => id.ToString()).Order(StringComparer.Ordinal)];
    }

    // One page by the store's own cursor (HSCAN): every group present for the whole walk is returned at least once,
    // whatever is written meanwhile (a group may come twice if the hash grows mid-walk; one created or deleted
    // during the walk may or may not be seen). A sorted set would give a stable order but cost a second index on
    // every write; the guarantee callers need ("nothing that stayed is missed") is HSCAN's. Cursor "0" = the start;
    // the next cursor is null at the end. COUNT is a hint: a page can be somewhat larger or smaller than limit.
    public async Task<(IReadOnlyList<string> Ids, string? Next)> PageAsync(string cursor, int limit)
    {
        var reply = (RedisResult[])(await Db.ExecuteAsync("HSCAN", GroupsKey, cursor, "COUNT", limit))!;
        var next = reply[0].ToString();
        var fields = (RedisResult[])reply[1]!;
        var ids = new List<string>(fields.Length / 2);
        for (var i = 0; i < fields.Length; i += 2)
        {
            ids.Add(fields[i].ToString());
        }

        return (ids, next == "0" ? null : next);
    }

    // Per bucket: count and hash (GroupBuckets.Format). One HGETALL of at most 3 x 1 024 fields, whatever the size.
    public async Task<(int[] Counts, string[] Hashes)> DigestAsync()
    {
        var counts = new int[GroupBuckets.Count];
        var low = new long[GroupBuckets.Count];
        var high = new long[GroupBuckets.Count];
        foreach (var entry in await Db.HashGetAllAsync(DigestKey))
        {
            var field = entry.Name.ToString();
            var colon = field.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !int.TryParse(field.AsSpan(0, colon), out var bucket) || bucket is < 0 or >= GroupBuckets.Count)
            {
                continue;
            }

            var value = (long)entry.Value;
            switch (field[(colon + 1)..])
            {
                case "n": counts[bucket] = (int)value; break;
                case "lo": low[bucket] = value; break;
                case "hi": high[bucket] = value; break;
            }
        }

        return (counts, [.. Enumerable.Range(0, GroupBuckets.Count).Select(b => GroupBuckets.Format(low[b], high[b]))]);
    }

    public async Task<IReadOnlyList<string>> BucketAsync(int bucket) =>
        [.. (await Db.SetMembersAsync(BucketKey(bucket))).Select(id => id.ToString()).Order(StringComparer.Ordinal)];

    private static readonly RedisKey[] AllKeys =
        [GroupsKey, DigestKey, .. Enumerable.Range(0, GroupBuckets.Count).Select(BucketKey)];

    public Task DeleteAllAsync() => Db.ScriptEvaluateAsync(Wipe, AllKeys);

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

            created += (int)await Db.ScriptEvaluateAsync(BulkCreate, [.. keys], args);
        }

        return created;
    }

    private static RedisKey BucketKey(int bucket) => $"{BucketPrefix}{bucket}";

    private static RedisKey DeleteTombstone(string idempotencyKey) => $"idem:delete:{idempotencyKey}";

    private static RedisKey DeletedBy(string groupId) => $"deleted-by:{groupId}";
}
