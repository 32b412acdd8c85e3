using StackExchange.Redis;

namespace ClusterGroups.Node.Groups;

public enum WriteResult { Applied, Replayed, AlreadySo }

// A node's groups live in one Redis hash: field = groupId, value = the Idempotency-Key of the write that created it
// ("~" for none).
// Every change is one atomic command (HSETNX, HDEL) or one Lua script (the store runs Lua: Garnet with --lua, Redis),
// so of N concurrent POSTs of one id exactly one creates it, and a keyed delete costs one round trip.
public sealed class GroupStore(IConnectionMultiplexer redis)
{
    private const string GroupsKey = "groups";

    // The creator of a group written without a key. Not a valid Idempotency-Key, so it never matches one
    // (and not "": an empty hash value does not read back as present on every store).
    private const string NoKey = "~";
    private static readonly TimeSpan ReplayWindow = TimeSpan.FromDays(1);

    private IDatabase Db => redis.GetDatabase();

    public async Task<WriteResult> CreateAsync(string groupId, string? idempotencyKey)
    {
        if (await Db.HashSetAsync(GroupsKey, groupId, idempotencyKey ?? NoKey, When.NotExists))
        {
            return WriteResult.Applied;
        }

        // Sent again with the key of the write that created it: the first answer was lost, replay it.
        return idempotencyKey is not null && await Db.HashGetAsync(GroupsKey, groupId) == idempotencyKey
            ? WriteResult.Replayed
            : WriteResult.AlreadySo;
    }

    public async Task<WriteResult> DeleteAsync(string groupId, string? idempotencyKey)
    {
        if (idempotencyKey is null)
        {
            return await Db.HashDeleteAsync(GroupsKey, groupId) ? WriteResult.Applied : WriteResult.AlreadySo;
        }

        // Delete and remember who deleted, atomically and in one round trip, so the same request sent again is
        // answered as it was and a reader can tell which operation removed the group.
        var result = (int)await Db.ScriptEvaluateAsync(KeyedDelete,
            [GroupsKey, DeleteTombstone(idempotencyKey), DeletedBy(groupId)],
            [groupId, idempotencyKey, (long)ReplayWindow.TotalMilliseconds]);
        return result switch
        {
            1 => WriteResult.Applied,
            2 => WriteResult.Replayed,
            _ => WriteResult.AlreadySo,
        };
    }

    // KEYS: groups hash, tombstone of this key, deleted-by of this group. ARGV: groupId, idempotency key, window ms.
    // 1 = deleted now, 2 = this key deleted it before (replay), 0 = it was not there.
    private const string KeyedDelete = """
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
          redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
          return 1
        end
        if redis.call('GET', KEYS[2]) == ARGV[1] then return 2 end
        return 0
        """;

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

    public async Task<IReadOnlyList<string>> ListAsync()
    {
        var ids = await Db.HashKeysAsync(GroupsKey);
        return [.. ids.Select(id => id.ToString()).Order(StringComparer.Ordinal)];
    }

    public Task<bool> DeleteAllAsync() => Db.KeyDeleteAsync(GroupsKey);

    private static RedisKey DeleteTombstone(string idempotencyKey) => $"idem:delete:{idempotencyKey}";

    private static RedisKey DeletedBy(string groupId) => $"deleted-by:{groupId}";
}
