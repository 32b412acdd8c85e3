using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;
using StackExchange.Redis;

namespace ClusterGroups.Api.Coordinator;

// The journal in the coordinator store, shared by every Api replica. Keys (format version JournalFormat.Version):
//   cg:op:{id}               the operation's JSON; expires Cluster:Coordinator:ClosedRetention (a week) after it closed
//   cg:ops                   sorted set of every operation id, by start time (the newest 100 000 kept)
//   cg:ops:open              set of the ids still open (running, or pending repair)
//   cg:group:{groupId}:last  the id of the last operation started on the group
//   cg:fences                the group's current fencing token (raised whenever a lease on the group is taken)
//   cg:lock:{groupId}        the group's lease (RedisGroupLocks, or Start)
//   cg:desired               the groups' desired state (DesiredStateStore; recorded by Close)
//   cg:ops:group:{groupId}   sorted set of the group's operation ids, by start time   } the search indexes
//   cg:ops:outcome:{outcome} sorted set of the ids now in that outcome, by start time } (GET /v1/operations?...)
// Begin and Save are one script each, owner-checked: they write only while the operation's Fence is still the group's
// current token, so a replica that lost its lease (paused, cut off) cannot overwrite what the one that took over
// wrote. The entry and the indexes never disagree. An operation that commits at once costs two round trips: Start
// (lease, last operation, begin) and Close (save, desired state, release), driven by RedisLeasedJournal.
public sealed class RedisOperationJournal(IConnectionMultiplexer redis, Microsoft.Extensions.Options.IOptions<CoordinatorOptions> options)
    : IOperationJournal
{
    private const string All = "cg:ops";
    private const string Open = "cg:ops:open";
    private const string OpPrefix = "cg:op:";
    private const int Keep = 100_000;

    // One close in this many (at random) trims the indexes; between two trims they hold a few more than Keep.
    private const int PruneEvery = 16;

    // The owner check both writes start with. KEYS[1] cg:fences; ARGV[1] groupId, ARGV[2] the operation's token.
    private const string OwnerCheck = """
        local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
        if tonumber(ARGV[2]) < current then return 0 end
        """;

    // What beginning an entry writes. KEYS: fences, entry, all, last pointer, open, group index, Running's index.
    // ARGV: groupId, token, json, id, start ms.
    private const string BeginWrites = """
        redis.call('SET', KEYS[2], ARGV[3])
        redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
        redis.call('SET', KEYS[4], ARGV[4])
        redis.call('SADD', KEYS[5], ARGV[4])
        redis.call('ZADD', KEYS[6], ARGV[5], ARGV[4])
        redis.call('ZADD', KEYS[7], ARGV[5], ARGV[4])
        """;

    // Begin's KEYS and ARGV (BeginWrites'). 1 written, 0 fenced.
    private const string Begin = OwnerCheck + "\n" + BeginWrites + "\n" + "return 1";

    // The protocol's steps 1 and 2 in one script (RedisLeasedJournal): take the lease with the proposed fencing token,
    // read the group's last operation, begin the new one. KEYS: Begin's, then the lock. ARGV: Begin's, then owner,
    // lease ms, and whether to begin ('1') or only report the last operation ('0': a repair checks its precondition first).
    // The token is proposed by the caller (the entry written here carries it) and must be above the group's current
    // one, else nothing is done: {'stale', current}. {'busy'}: the lease is held. The lease taken, an open last
    // operation -> {'open', id}; not to begin -> {'checked', id}; both with nothing begun. Else {'begun', id}.
    private const string Start = """
        local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
        if tonumber(ARGV[2]) <= current then return {'stale', string.format('%.0f', current)} end
        if not redis.call('SET', KEYS[8], ARGV[6], 'NX', 'PX', ARGV[7]) then return {'busy', ''} end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        local last = redis.call('GET', KEYS[4]) or ''
        if last ~= '' and redis.call('SISMEMBER', KEYS[5], last) == 1 then return {'open', last} end
        if ARGV[8] ~= '1' then return {'checked', last} end
        """ + "\n" + BeginWrites + "\n" + "return {'begun', last}";

    // KEYS: fences, entry, open, all, group index, desired state, lock, then every outcome's index (Outcomes order).
    // ARGV: groupId, token, json, id, retention ms ('' while open), keep, start ms, the current outcome's position
    // (1-based), prune-before ms, the desired state to record ('' none), the lease owner to free ('' none), the
    // position of the outcome the entry held before ('0': not known), whether to prune the indexes ('1').
    // The id moves to its outcome's index with the entry, so a search never sees them disagree: out of the one it
    // was in when that is known, else out of all of them. The indexes are trimmed (the newest Keep, nothing older
    // than twice the retention) by one close in PruneEvery, not by each: a close's cost is in its commands.
    // The operation's close records its desired state and frees its lease in the same step (RedisLeasedJournal.CloseAsync).
    private const string Save = OwnerCheck + "\n" + """
        local current = tonumber(ARGV[8])
        local previous = tonumber(ARGV[12])
        local prune = ARGV[5] ~= '' and ARGV[13] == '1'
        if ARGV[5] == '' then
          redis.call('SET', KEYS[2], ARGV[3])
        else
          redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[5])
          redis.call('SREM', KEYS[3], ARGV[4])
        end
        if prune then
          redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -tonumber(ARGV[6]) - 1)
          redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[9])
        end
        if previous > 0 then
          if previous ~= current then
            redis.call('ZREM', KEYS[7 + previous], ARGV[4])
          end
          redis.call('ZADD', KEYS[7 + current], ARGV[7], ARGV[4])
        else
          for i = 8, #KEYS do
            if i - 7 == current then
              redis.call('ZADD', KEYS[i], ARGV[7], ARGV[4])
            else
              redis.call('ZREM', KEYS[i], ARGV[4])
            end
          end
        end
        if prune then
          redis.call('ZREMRANGEBYRANK', KEYS[7 + current], 0, -tonumber(ARGV[6]) - 1)
        end
        if ARGV[10] ~= '' then
          redis.call('HSET', KEYS[6], ARGV[1], ARGV[10])
        end
        if ARGV[11] ~= '' and redis.call('GET', KEYS[7]) == ARGV[11] then
          redis.call('DEL', KEYS[7])
        end
        return 1
        """;

    private static readonly Outcome[] Outcomes = Enum.GetValues<Outcome>();
    private static readonly RedisKey[] OutcomeIndexes = [.. Outcomes.Select(OutcomeIndex)];

    // An outcome's position in Outcomes, 1-based: how the Save script finds its index among its KEYS.
    private static int Position(Outcome outcome) => Array.IndexOf(Outcomes, outcome) + 1;

    private IDatabase Db => redis.GetDatabase();

    public async Task BeginAsync(OperationState op, CancellationToken ct)
    {
        var outcome = op.Outcome;
        Written(op, await Db.ScriptEvaluateAsync(Begin, BeginKeys(op), BeginArgs(op)));
        op.JournaledOutcome = outcome;
    }

    public async Task SaveAsync(OperationState op, CancellationToken ct) => await SaveAsync(op, desired: null, leaseOwner: null);

    /// <summary>Steps 1 and 2 in one round trip (see Start): the answer and the last operation's id.</summary>
    public async Task<(string Answer, string Value)> StartAsync(
        OperationState op, string owner, TimeSpan lease, bool begin, CancellationToken ct)
    {
        var outcome = op.Outcome;
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(Start, [.. BeginKeys(op), RedisGroupLocks.LockKey(op.GroupId)],
            [.. BeginArgs(op), owner, (long)lease.TotalMilliseconds, begin ? "1" : "0"]))!;
        var answer = (string)result[0]!;
        if (answer == "begun")
        {
            op.JournaledOutcome = outcome;
        }

        return (answer, (string?)result[1] ?? "");
    }

    /// <summary>The closing save with the desired state it decided and the lease's release, in one round trip.</summary>
    public Task CloseAsync(OperationState op, string? leaseOwner) =>
        SaveAsync(op, DesiredStates.Of(op) is { } desired ? DesiredStates.Write(desired) : null, leaseOwner);

    private async Task SaveAsync(OperationState op, string? desired, string? leaseOwner)
    {
        var (outcome, previous) = (op.Outcome, op.JournaledOutcome);
        // Until the answer is in, the entry may hold either outcome: a save whose answer is lost leaves it unknown.
        op.JournaledOutcome = null;
        Written(op, await Db.ScriptEvaluateAsync(Save,
            [RedisGroupLocks.Fences, OpKey(op.Id), Open, All, GroupIndex(op.GroupId), DesiredStateStore.Key,
                RedisGroupLocks.LockKey(op.GroupId), .. OutcomeIndexes],
            [op.GroupId, op.Fence, JournalFormat.WriteUtf8(op), op.Id,
                op.IsOpen ? "" : (long)options.Value.ClosedRetention.TotalMilliseconds, Keep, op.StartedAt.ToUnixTimeMilliseconds(),
                Position(op.Outcome),
                // Index entries older than twice the entries' retention point at nothing any more.
                (op.StartedAt - options.Value.ClosedRetention * 2).ToUnixTimeMilliseconds(),
                desired ?? "", leaseOwner ?? "",
                previous is { } before ? Position(before) : 0,
                Random.Shared.Next(PruneEvery) == 0 ? "1" : "0"]));
        op.JournaledOutcome = outcome;
    }

    private static RedisKey[] BeginKeys(OperationState op) =>
        [RedisGroupLocks.Fences, OpKey(op.Id), All, LastKey(op.GroupId), Open, GroupIndex(op.GroupId), OutcomeIndexes[Position(op.Outcome) - 1]];

    private static RedisValue[] BeginArgs(OperationState op) =>
        [op.GroupId, op.Fence, JournalFormat.WriteUtf8(op), op.Id, op.StartedAt.ToUnixTimeMilliseconds()];

    private static void Written(OperationState op, RedisResult result)
    {
        if ((long)result != 1)
        {
            throw new JournalFencedException(op.Id);
        }
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

    // Two reads, not one script: every script here names all the keys it touches, so that Garnet (run with
    // --lua-transaction-mode, which locks a script's KEYS) executes it atomically; the entry's key is known only
    // after the first read. The caller holds the group's lease, so the pointer does not move in between.
    public async Task<OperationState?> LastForGroupAsync(string groupId, CancellationToken ct)
    {
        var id = await Db.StringGetAsync(LastKey(groupId));
        return id.IsNull ? null : await GetAsync(id.ToString(), ct);
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
