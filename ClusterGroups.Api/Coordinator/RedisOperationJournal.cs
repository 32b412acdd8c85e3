using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;
using StackExchange.Redis;

namespace ClusterGroups.Api.Coordinator;

// The journal in the coordinator store, shared by every Api replica. Keys (format version JournalFormat.Version):
//   cg:op:{id}               the operation's JSON; expires a week after it closed
//   cg:ops                   sorted set of every operation id, by start time (the newest 100 000 kept)
//   cg:ops:open              set of the ids still open (running, or pending repair)
//   cg:group:{groupId}:last  the id of the last operation started on the group
// Begin and close are one MULTI/EXEC transaction each, so the entry and the indexes never disagree; an operation
// that commits at once costs two writes (begin, close) and one read (the group's last operation).
public sealed class RedisOperationJournal(IConnectionMultiplexer redis) : IOperationJournal
{
    private const string All = "cg:ops";
    private const string Open = "cg:ops:open";
    private const string OpPrefix = "cg:op:";
    private const int Keep = 100_000;
    private static readonly TimeSpan ClosedRetention = TimeSpan.FromDays(7);

    // KEYS: the group's last pointer. ARGV: the entry key prefix. The group's last entry, in one round trip.
    private const string LastEntry = "local id = redis.call('GET', KEYS[1]) if not id then return false end return redis.call('GET', ARGV[1] .. id)";

    private IDatabase Db => redis.GetDatabase();

    public async Task BeginAsync(OperationState op, CancellationToken ct)
    {
        var tx = Db.CreateTransaction();
        _ = tx.StringSetAsync(OpKey(op.Id), JournalFormat.Write(op));
        _ = tx.SortedSetAddAsync(All, op.Id, op.StartedAt.ToUnixTimeMilliseconds());
        _ = tx.StringSetAsync(LastKey(op.GroupId), op.Id);
        _ = tx.SetAddAsync(Open, op.Id);
        await ExecuteAsync(tx, op);
    }

    public async Task SaveAsync(OperationState op, CancellationToken ct)
    {
        var json = JournalFormat.Write(op);
        if (op.IsOpen)
        {
            await Db.StringSetAsync(OpKey(op.Id), json);
            return;
        }

        var tx = Db.CreateTransaction();
        _ = tx.StringSetAsync(OpKey(op.Id), json, ClosedRetention);
        _ = tx.SetRemoveAsync(Open, op.Id);
        _ = tx.SortedSetRemoveRangeByRankAsync(All, 0, -Keep - 1);
        await ExecuteAsync(tx, op);
    }

    public async Task<OperationState?> GetAsync(string operationId, CancellationToken ct)
    {
        var json = await Db.StringGetAsync(OpKey(operationId));
        return json.HasValue ? JournalFormat.Read(json.ToString()) : null;
    }

    public async Task<IReadOnlyList<OperationState>> ListAsync(bool openOnly, int max, CancellationToken ct)
    {
        if (openOnly)
        {
            return [.. (await ListOpenAsync(ct)).OrderByDescending(r => r.StartedAt).Take(max)];
        }

        var ids = await Db.SortedSetRangeByRankAsync(All, 0, max - 1, Order.Descending);
        return await ReadManyAsync(ids);
    }

    public async Task<IReadOnlyList<OperationState>> ListOpenAsync(CancellationToken ct) =>
        [.. (await ReadManyAsync(await Db.SetMembersAsync(Open))).OrderBy(r => r.StartedAt)];

    public async Task<OperationState?> LastForGroupAsync(string groupId, CancellationToken ct)
    {
        var json = await Db.ScriptEvaluateAsync(LastEntry, [LastKey(groupId)], [OpPrefix]);
        return json.IsNull ? null : JournalFormat.Read(json.ToString());
    }

    private static async Task ExecuteAsync(ITransaction tx, OperationState op)
    {
        if (!await tx.ExecuteAsync())
        {
            throw new RedisException($"The journal did not record {op.Id}.");
        }
    }

    private async Task<IReadOnlyList<OperationState>> ReadManyAsync(RedisValue[] ids)
    {
        if (ids.Length == 0)
        {
            return [];
        }

        var values = await Db.StringGetAsync([.. ids.Select(id => OpKey(id.ToString()))]);
        return [.. values.Where(v => v.HasValue).Select(v => JournalFormat.Read(v.ToString())).OfType<OperationState>()];
    }

    private static RedisKey OpKey(string id) => OpPrefix + id;
    private static RedisKey LastKey(string groupId) => $"cg:group:{groupId}:last";
}
