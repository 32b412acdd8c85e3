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

// A write as the store recorded it: what happened, and for a replay what the first copy did.
public readonly record struct WriteOutcome(WriteResult Result, WriteResult? First = null, long? SeenToken = null);

// A node's groups live in one Redis hash: field = groupId, value = the Idempotency-Key of the write that created it
// ("~" for none). Beside it, per group the highest fencing token seen ("fence" hash), per key the outcome of the write
// that used it ("idem:{key}", kept for the replay window whatever later writes do to the group), and the key that
// last deleted the group ("deleted-by:{groupId}").
// Every write is one Lua script (the store runs Lua: Garnet with --lua, Redis): check the key's outcome, check and
// raise the fence, apply, record — atomically, in one round trip. Of N concurrent POSTs of one id exactly one creates it.
public sealed class GroupStore(IConnectionMultiplexer redis)
{
    private const string GroupsKey = "groups";
    private const string FenceKey = "fence";

    // The creator of a group written without a key. Not a valid Idempotency-Key, so it never matches one
    // (and not "": an empty hash value does not read back as present on every store).
    private const string NoKey = "~";
    private static readonly TimeSpan ReplayWindow = TimeSpan.FromDays(1);

    private IDatabase Db => redis.GetDatabase();

    public Task<WriteOutcome> CreateAsync(string groupId, string? key, long? token = null) =>
        WriteAsync(Create, groupId, key, token);

    public Task<WriteOutcome> DeleteAsync(string groupId, string? key, long? token = null) =>
        WriteAsync(Delete, groupId, key, token);

    /// <summary>Closes the door on the write with <paramref name="key"/>: from now on it never applies here.</summary>
    /// <returns>What that write had done here before (Applied, AlreadySo), Aborted if it had not arrived, or Fenced.</returns>
    public async Task<(WriteOutcome Outcome, string Write)> AbortAsync(string groupId, string key, long? token)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(Abort,
            [FenceKey, IdempotencyRecord(key)], [groupId, key, Token(token), Window]))!;
        var tag = (string)result[0]!;
        if (tag == "fenced")
        {
            return (new WriteOutcome(WriteResult.Fenced, SeenToken: (long)result[1]), "abort");
        }

        var record = tag == "known" ? (string)result[1]! : "abort:aborted";
        var (write, first) = ParseRecord(record);
        return (new WriteOutcome(first), write);
    }

    private async Task<WriteOutcome> WriteAsync(string script, string groupId, string? key, long? token)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(script,
            [GroupsKey, FenceKey, IdempotencyRecord(key ?? NoKey), DeletedBy(groupId), LegacyDeleteTombstone(key ?? NoKey)],
            [groupId, key ?? NoKey, Token(token), Window]))!;
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
        return write == (script == Create ? "create" : "delete") && first is WriteResult.Applied or WriteResult.AlreadySo
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

    // The checks every write makes first, in this order: a key already used is answered from its record; then the
    // fence. KEYS[2] fence hash, KEYS[3] the key's record; ARGV[1] groupId, ARGV[2] key ('~': none), ARGV[3] token
    // ('': none).
    private const string Checks = """
        local id, key, token, window = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
        if key ~= '~' then
          local prior = redis.call('GET', KEYS[3])
          if prior then return {'replay', prior} end
          if KEYS[5] and redis.call('GET', KEYS[5]) == id then return {'replay', 'delete:applied'} end
        end
        if token then
          local seen = tonumber(redis.call('HGET', KEYS[2], id) or '0')
          if token < seen then return {'fenced', seen} end
          if token > seen then redis.call('HSET', KEYS[2], id, ARGV[3]) end
        end
        """;

    // KEYS: groups hash, fence hash, idem:{key}, deleted-by:{groupId}, (legacy) idem:delete:{key}. ARGV: groupId,
    // key, token, window ms. Returns {'applied'} | {'alreadyso'} | {'replay', record} | {'fenced', seen}.
    private const string Create = Checks + "\n" + """
        local result = 'alreadyso'
        if redis.call('HSETNX', KEYS[1], id, key) == 1 then result = 'applied' end
        if key ~= '~' then redis.call('SET', KEYS[3], 'create:' .. result, 'PX', window) end
        return {result}
        """;

    // As Create; the deleting key is remembered per group, so a reader can tell which write removed it.
    private const string Delete = Checks + "\n" + """
        local result = 'alreadyso'
        if redis.call('HDEL', KEYS[1], id) == 1 then
          result = 'applied'
          if key ~= '~' then redis.call('SET', KEYS[4], key, 'PX', window) end
        end
        if key ~= '~' then redis.call('SET', KEYS[3], 'delete:' .. result, 'PX', window) end
        return {result}
        """;

    // KEYS: fence hash, idem:{key}. ARGV: groupId, key, token, window ms. The fence first (a stale resolver is
    // refused), then: a key already used is reported ({'known', record}), else recorded as aborted ({'aborted'}).
    private const string Abort = """
        local id, key, token, window = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
        if token then
          local seen = tonumber(redis.call('HGET', KEYS[1], id) or '0')
          if token < seen then return {'fenced', seen} end
          if token > seen then redis.call('HSET', KEYS[1], id, ARGV[3]) end
        end
        local prior = redis.call('GET', KEYS[2])
        if prior then return {'known', prior} end
        redis.call('SET', KEYS[2], 'abort:aborted', 'PX', window)
        return {'aborted'}
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

    // The groups only: fences and key records stay, so a write from before the wipe is still fenced or replayed.
    public Task<bool> DeleteAllAsync() => Db.KeyDeleteAsync(GroupsKey);

    private static string Token(long? token) => token?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";

    private static readonly string Window = ((long)ReplayWindow.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static RedisKey IdempotencyRecord(string key) => $"idem:{key}";

    // Written by nodes before durable idempotency (a delete's key -> the group it deleted); read for one replay window.
    private static RedisKey LegacyDeleteTombstone(string key) => $"idem:delete:{key}";

    private static RedisKey DeletedBy(string groupId) => $"deleted-by:{groupId}";
}
