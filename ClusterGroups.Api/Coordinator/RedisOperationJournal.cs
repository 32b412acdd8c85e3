using ClusterGroups.Api.FanOut;
using StackExchange.Redis;

namespace ClusterGroups.Api.Coordinator;

// The journal in the coordinator store, shared by every Api replica. Keys (format version JournalFormat.Version):
//   cg:op:{id}               the operation's JSON; expires a week after it closed
//   cg:ops                   sorted set of every operation id, by start time (the newest 100 000 kept)
//   cg:ops:open              set of the ids still open (running, or pending repair)
//   cg:group:{groupId}:last  the id of the last operation started on the group
// Each save is one MULTI/EXEC transaction, so the entry and the indexes never disagree.
public sealed class RedisOperationJournal(IConnectionMultiplexer redis) : IOperationJournal
{
    private const string All = "cg:ops";
    private const string Open = "cg:ops:open";
    private const int Keep = 100_000;
    private static readonly TimeSpan ClosedRetention = TimeSpan.FromDays(7);

    private IDatabase Db => redis.GetDatabase();

    public Task BeginAsync(OperationReport report, CancellationToken ct) => SaveAsync(report, ct);

    public async Task SaveAsync(OperationReport report, CancellationToken ct)
    {
        var json = JournalFormat.Write(report);
        var tx = Db.CreateTransaction();
        _ = report.IsOpen
            ? tx.StringSetAsync(OpKey(report.OperationId), json)
            : tx.StringSetAsync(OpKey(report.OperationId), json, ClosedRetention);
        _ = tx.SortedSetAddAsync(All, report.OperationId, report.StartedAt.ToUnixTimeMilliseconds());
        _ = tx.StringSetAsync(LastKey(report.GroupId), report.OperationId);
        _ = report.IsOpen ? tx.SetAddAsync(Open, report.OperationId) : tx.SetRemoveAsync(Open, report.OperationId);
        _ = tx.SortedSetRemoveRangeByRankAsync(All, 0, -Keep - 1);
        if (!await tx.ExecuteAsync())
        {
            throw new RedisException($"The journal did not record {report.OperationId}.");
        }
    }

    public async Task<OperationReport?> GetAsync(string operationId, CancellationToken ct)
    {
        var json = await Db.StringGetAsync(OpKey(operationId));
        return json.HasValue ? JournalFormat.Read(json.ToString()) : null;
    }

    public async Task<IReadOnlyList<OperationReport>> ListAsync(bool openOnly, int max, CancellationToken ct)
    {
        if (openOnly)
        {
            return [.. (await ListOpenAsync(null, ct)).OrderByDescending(r => r.StartedAt).Take(max)];
        }

        var ids = await Db.SortedSetRangeByRankAsync(All, 0, max - 1, Order.Descending);
        return await ReadManyAsync(ids);
    }

    public async Task<IReadOnlyList<OperationReport>> ListOpenAsync(string? groupId, CancellationToken ct)
    {
        var open = await ReadManyAsync(await Db.SetMembersAsync(Open));
        return [.. open.Where(r => groupId is null || r.GroupId == groupId).OrderBy(r => r.StartedAt)];
    }

    public async Task<OperationReport?> LastForGroupAsync(string groupId, CancellationToken ct)
    {
        var id = await Db.StringGetAsync(LastKey(groupId));
        return id.HasValue ? await GetAsync(id.ToString(), ct) : null;
    }

    private async Task<IReadOnlyList<OperationReport>> ReadManyAsync(RedisValue[] ids)
    {
        if (ids.Length == 0)
        {
            return [];
        }

        var values = await Db.StringGetAsync([.. ids.Select(id => OpKey(id.ToString()))]);
        return [.. values.Where(v => v.HasValue).Select(v => JournalFormat.Read(v.ToString())).OfType<OperationReport>()];
    }

    private static RedisKey OpKey(string id) => $"cg:op:{id}";
    private static RedisKey LastKey(string groupId) => $"cg:group:{groupId}:last";
}
