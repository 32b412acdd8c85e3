using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;
using StackExchange.Redis;

namespace ClusterGroups.Api.Coordinator;

// The journal in the coordinator store, shared by every Api replica. Keys (format version JournalFormat.Version):
//   cg:op:{id}               the operation's JSON; expires a week after it closed
//   cg:ops                   sorted set of every operation id, by start time (the newest 100 000 kept)
//   cg:ops:open              set of the ids still open (running, or pending repair)
//   cg:group:{groupId}:last  the id of the last operation started on the group
//   cg:ops:group:{groupId}   sorted set of the group's operation ids, by start time   } the search indexes
//   cg:ops:outcome:{outcome} sorted set of the ids now in that outcome, by start time } (GET /v1/operations?...)
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
        _ = tx.SortedSetAddAsync(GroupIndex(op.GroupId), op.Id, op.StartedAt.ToUnixTimeMilliseconds());
        _ = tx.SortedSetAddAsync(OutcomeIndex(op.Outcome), op.Id, op.StartedAt.ToUnixTimeMilliseconds());
        await ExecuteAsync(tx, op);
    }

    public async Task SaveAsync(OperationState op, CancellationToken ct)
    {
        var json = JournalFormat.Write(op);
        var tx = Db.CreateTransaction();
        if (op.IsOpen)
        {
            _ = tx.StringSetAsync(OpKey(op.Id), json);
        }
        else
        {
            _ = tx.StringSetAsync(OpKey(op.Id), json, ClosedRetention);
            _ = tx.SetRemoveAsync(Open, op.Id);
            _ = tx.SortedSetRemoveRangeByRankAsync(All, 0, -Keep - 1);
            // Index entries older than the entries' retention point at nothing any more.
            _ = tx.SortedSetRemoveRangeByScoreAsync(GroupIndex(op.GroupId), double.NegativeInfinity,
                (op.StartedAt - ClosedRetention * 2).ToUnixTimeMilliseconds());
        }

        // The id moves to its outcome's index (one transaction with the entry, so a search never sees them disagree).
        foreach (var outcome in Enum.GetValues<Outcome>())
        {
            _ = outcome == op.Outcome
                ? tx.SortedSetAddAsync(OutcomeIndex(outcome), op.Id, op.StartedAt.ToUnixTimeMilliseconds())
                : tx.SortedSetRemoveAsync(OutcomeIndex(outcome), op.Id);
        }

        if (!op.IsOpen)
        {
            _ = tx.SortedSetRemoveRangeByRankAsync(OutcomeIndex(op.Outcome), 0, -Keep - 1);
        }

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

    // Walks the most selective index (the group's, else the outcome's, else the open set or all) newest first, from
    // the cursor down to Since, in batches; other filters are checked on the entries read. Bounded: at most
    // MaxBatches batches per page, then the page ends with a cursor where the walk stopped.
    public async Task<OperationPage> SearchAsync(OperationQuery query, CancellationToken ct)
    {
        if (query is { GroupId: null, Outcome: null, OpenOnly: true })
        {
            // The open set is small (what recovery drives): read it whole.
            var open = (await ListOpenAsync(ct)).Where(query.Matches)
                .Where(op => query.After is null || query.After.IsAfter(op.StartedAt.ToUnixTimeMilliseconds(), op.Id))
                .OrderByDescending(op => op.StartedAt.ToUnixTimeMilliseconds()).ThenByDescending(op => op.Id, StringComparer.Ordinal)
                .Take(query.Limit + 1).ToList();
            var first = open.Take(query.Limit).ToList();
            return new OperationPage(first, open.Count > query.Limit ? OperationCursor.Of(first[^1]) : null);
        }

        RedisKey index = query.GroupId is { } g ? GroupIndex(g) : query.Outcome is { } o ? OutcomeIndex(o) : All;
        var max = query.After is { } after ? after.StartedAtMs : double.PositiveInfinity;
        var min = query.Since is { } since ? since.ToUnixTimeMilliseconds() : double.NegativeInfinity;
        var batch = Math.Max(query.Limit * 2, 50);
        var found = new List<OperationState>();
        OperationCursor? walked = null;
        for (var round = 0; round < MaxBatches; round++)
        {
            var ids = await Db.SortedSetRangeByScoreWithScoresAsync(index, min, max, Exclude.None, Order.Descending, round * batch, batch);
            var fresh = ids.Where(e => query.After is null || query.After.IsAfter((long)e.Score, e.Element.ToString())).ToList();
            foreach (var op in await ReadManyAsync([.. fresh.Select(e => e.Element)]))
            {
                if (query.Matches(op))
                {
                    found.Add(op);
                }
            }

            if (ids.Length > 0)
            {
                walked = new OperationCursor((long)ids[^1].Score, ids[^1].Element.ToString());
            }

            if (found.Count > query.Limit || ids.Length < batch)
            {
                var page = found.Take(query.Limit).ToList();
                return new OperationPage(page, found.Count > query.Limit ? OperationCursor.Of(page[^1]) : null);
            }
        }

        // Walked MaxBatches without filling the page: what was found, and where to go on from.
        return new OperationPage(found, walked);
    }

    private const int MaxBatches = 20;

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
    private static RedisKey GroupIndex(string groupId) => $"cg:ops:group:{groupId}";
    private static RedisKey OutcomeIndex(Outcome outcome) => $"cg:ops:outcome:{outcome}";
    private static RedisKey LastKey(string groupId) => $"cg:group:{groupId}:last";
}
