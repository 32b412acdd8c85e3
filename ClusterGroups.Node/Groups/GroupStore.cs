using StackExchange.Redis;

namespace ClusterGroups.Node.Groups;

public enum WriteResult { Applied, Replayed, AlreadySo }

// A node's groups live in one Redis hash: field = groupId, value = the Idempotency-Key of the write that created it.
// Every change is one atomic command (HSETNX, HDEL) or one WATCH/MULTI/EXEC transaction, so of N concurrent POSTs
// of one id exactly one creates it.
public sealed class GroupStore(IConnectionMultiplexer redis)
{
    private const string GroupsKey = "groups";
    private static readonly TimeSpan ReplayWindow = TimeSpan.FromDays(1);

    private IDatabase Db => redis.GetDatabase();

    public async Task<WriteResult> CreateAsync(string groupId, string? idempotencyKey)
    {
        if (await Db.HashSetAsync(GroupsKey, groupId, idempotencyKey ?? string.Empty, When.NotExists))
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

        // Delete and remember who deleted, atomically, so the same request sent again is answered as it was.
        var tombstone = DeleteTombstone(idempotencyKey);
        var tx = Db.CreateTransaction();
        tx.AddCondition(Condition.HashExists(GroupsKey, groupId));
        _ = tx.HashDeleteAsync(GroupsKey, groupId);
        _ = tx.StringSetAsync(tombstone, groupId, ReplayWindow);
        if (await tx.ExecuteAsync())
        {
            return WriteResult.Applied;
        }

        return await Db.StringGetAsync(tombstone) == groupId ? WriteResult.Replayed : WriteResult.AlreadySo;
    }

    public Task<bool> ExistsAsync(string groupId) => Db.HashExistsAsync(GroupsKey, groupId);

    public async Task<IReadOnlyList<string>> ListAsync()
    {
        var ids = await Db.HashKeysAsync(GroupsKey);
        return [.. ids.Select(id => id.ToString()).Order(StringComparer.Ordinal)];
    }

    public Task<bool> DeleteAllAsync() => Db.KeyDeleteAsync(GroupsKey);

    private static RedisKey DeleteTombstone(string idempotencyKey) => $"idem:delete:{idempotencyKey}";
}
