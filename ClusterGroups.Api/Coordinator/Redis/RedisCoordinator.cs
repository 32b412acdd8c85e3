using System.Globalization;
using System.Runtime.CompilerServices;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClusterGroups.Api.Coordinator.Redis;

// The coordinator in a Redis-protocol store (Garnet by default, or redis-server), shared by every Api replica. Keys
// (format version JournalFormat.Version):
//   cg:op:{id}               the operation's JSON; expires Cluster:Coordinator:ClosedRetention (a week) after it closed
//   cg:ops                   sorted set of every operation id, by start time (the newest 100 000 kept)
//   cg:ops:open              set of the ids still open (running, or pending repair)
//   cg:group:{groupId}:last  the id of the last operation started on the group
//   cg:fences                hash: the group's current fencing token (raised whenever a lease on the group is taken)
//   cg:lock:{groupId}        the group's lease: the owner, with the lease's expiry (PX)
//   cg:desired               hash: the groups' desired state ("+op-…" present, "-op-…" absent; recorded by Close)
//   cg:ops:group:{groupId}   sorted set of the group's operation ids, by start time   } the search indexes
//   cg:ops:outcome:{outcome} sorted set of the ids now in that outcome, by start time } (GET /v1/operations?...)
//   cg:idem:{scope}:{key}    a caller's Idempotency-Key (scope: its API key name, "" without keys): "<kind> <groupId>
//                            <operationId>", set when the operation begins, no expiry while it is open, then expires
//                            Cluster:Coordinator:IdempotencyKeyWindow after its close
//   cg:membership            hash: epoch, members (MembershipFormat); absent until the first change (epoch 0)
//   cg:replica:{replica}     a replica's announcement (ReplicaFormat), expiring (PX) unless renewed
//   cg:replicas              set of the replicas that announced (those whose announcement expired are removed on list)
// Each step of the port is one script (CoordinatorScripts) or one read; the entry and the indexes never disagree.
// Entries are read and written as `journal` says (this process's protocol version unless given).
// With `batching` on (Cluster:Batching: Enabled and Coordinator), operations' starts, begins, saves and closes go
// through one CoordinatorWriteQueue: alone as their own script while none is in flight, else several in one
// CoordinatorScripts.Batch (ICoordinatorBatch).
public sealed class RedisCoordinator(
    IRedisStore store, IOptions<CoordinatorOptions> options, JournalCodec? journal = null, BatchingOptions? batching = null)
    : ICoordinator, ICoordinatorBatch
{
    private readonly JournalCodec _journal = journal ?? JournalCodec.Process;

    private const string All = "cg:ops";
    private const string Open = "cg:ops:open";
    private const string Fences = "cg:fences";
    private const string Desired = "cg:desired";
    private const string OpPrefix = "cg:op:";
    private const string MembershipKey = "cg:membership";
    private const string Replicas = "cg:replicas";
    private const int Keep = 100_000;
    private const int PruneEvery = 16;
    private const int DesiredBatch = 1_000;

    private static readonly Outcome[] Outcomes = Enum.GetValues<Outcome>();
    private static readonly RedisKey[] OutcomeIndexes = [.. Outcomes.Select(OutcomeIndex)];

    // The outcome each entry holds as this Api last wrote or read it: a save then moves the id between just two
    // outcome indexes. Unknown (absent) after a write whose answer was lost: the save then clears all of them.
    private readonly ConditionalWeakTable<OperationState, StrongBox<Outcome?>> _journaled = [];
    private long _closes;
    private CoordinatorWriteQueue? _queue;

    public async Task<LeaseAnswer> AcquireAsync(LeaseRequest request, OperationState? begin, CancellationToken ct)
    {
        if (begin is not null)
        {
            return (LeaseAnswer)(await SendAsync(new CoordinatorWrite.Start(request, begin)))!;
        }

        return ReadLease(await Guard(store.EvaluateAsync(CoordinatorScripts.Lease, LeaseKeys(request), LeaseArgs(request))), null);
    }

    private static RedisKey[] LeaseKeys(LeaseRequest request) => [Fences, LastKey(request.GroupId), Open, LockKey(request.GroupId)];

    private static RedisValue[] LeaseArgs(LeaseRequest request) =>
        [request.GroupId, request.Token, request.Owner, (long)request.Duration.TotalMilliseconds];

    private LeaseAnswer ReadLease(RedisResult result, OperationState? begin)
    {
        var reply = (RedisResult[])result!;
        var (answer, value) = ((string)reply[0]!, (string?)reply[1] ?? "");
        var last = value.Length == 0 ? null : value;
        switch (answer)
        {
            case "stale":
                return new LeaseAnswer.Stale(long.Parse(value, CultureInfo.InvariantCulture));
            case "busy":
                return new LeaseAnswer.Busy();
            case "begun":
                Journaled(begin!, Outcome.Running);
                return new LeaseAnswer.Taken(last, LastOpen: false, Begun: true);
            case "keyed":
                return new LeaseAnswer.Keyed(KeyedRequest.Read(value));
            case "epoch":
                throw new MembershipChangedException(begin!.Epoch, long.Parse(value, CultureInfo.InvariantCulture));
            default:
                return new LeaseAnswer.Taken(last, LastOpen: answer == "open", Begun: false);
        }
    }

    public async Task<bool> RenewAsync(string groupId, string owner, TimeSpan duration, CancellationToken ct) =>
        (long)await Guard(store.EvaluateAsync(CoordinatorScripts.Renew, [LockKey(groupId)], [owner, (long)duration.TotalMilliseconds])) == 1;

    public Task ReleaseAsync(string groupId, string owner, CancellationToken ct) =>
        Guard(store.EvaluateAsync(CoordinatorScripts.Release, [LockKey(groupId)], [owner]));

    public async Task<KeyedRequest?> BeginAsync(OperationState op, CancellationToken ct) =>
        (KeyedRequest?)await SendAsync(new CoordinatorWrite.Begin(op));

    private KeyedRequest? ReadBegin(RedisResult reply, OperationState op)
    {
        if (reply.Resp2Type == ResultType.Array)
        {
            var refused = (RedisResult[])reply!;
            return (string?)refused[0] == "epoch"
                ? throw new MembershipChangedException(op.Epoch, long.Parse((string)refused[1]!, CultureInfo.InvariantCulture))
                : KeyedRequest.Read((string)refused[1]!);
        }

        Written(op, reply);
        Journaled(op, op.Outcome);
        return null;
    }

    public async Task<KeyedRequest?> RefuseKeyAsync(RequestKey key, KeyedRequest refusal, CancellationToken ct)
    {
        var named = await Guard(store.EvaluateAsync(CoordinatorScripts.RefuseKey, [IdemKey(key)],
            [refusal.Write(), (long)options.Value.IdempotencyKeyWindow.TotalMilliseconds]));
        return named.IsNull ? null : KeyedRequest.Read((string)named!);
    }

    public Task SaveAsync(OperationState op, CancellationToken ct) => SendAsync(new CoordinatorWrite.Save(op));

    public Task CloseAsync(OperationState op, string? releaseOwner, CancellationToken ct) =>
        SendAsync(new CoordinatorWrite.Close(op, releaseOwner));

    // A write through the queue when batching, else at once as its own script.
    private Task<object?> SendAsync(CoordinatorWrite write) => Queue() is { } queue ? queue.SendAsync(write) : AloneAsync(write);

    private CoordinatorWriteQueue? Queue()
    {
        if (batching is not { Enabled: true, Coordinator: true } settings)
        {
            return null;
        }

        if (_queue is null)
        {
            Interlocked.CompareExchange(ref _queue, new CoordinatorWriteQueue(AloneAsync, writes => CommitAsync(writes, CancellationToken.None), settings.MaxItems), null);
        }

        return _queue;
    }

    // One write, its own script: what every write did before batching, and what a write that finds the queue idle does.
    private async Task<object?> AloneAsync(CoordinatorWrite write)
    {
        var script = Script(write);
        return script.Read(await Guard(store.EvaluateAsync(script.Text, script.Keys, script.Args)));
    }

    // Several writes in one script (CoordinatorScripts.Batch), each read from its own reply as its single call's is.
    // A write that cannot even be written down (its entry) is answered that failure alone, as its single call would be.
    public async Task<IReadOnlyList<CoordinatorAnswer>> CommitAsync(IReadOnlyList<CoordinatorWrite> writes, CancellationToken ct)
    {
        var answers = new CoordinatorAnswer[writes.Count];
        var scripts = new List<(int Index, WriteScript Script)>(writes.Count);
        for (var i = 0; i < writes.Count; i++)
        {
            try
            {
                scripts.Add((i, Script(writes[i])));
            }
            catch (Exception e)
            {
                answers[i] = new CoordinatorAnswer(null, e);
            }
        }

        if (scripts.Count == 0)
        {
            return answers;
        }

        var (keys, args) = BatchScript.Pack([.. scripts.Select(s => (s.Script.Step, s.Script.Keys, s.Script.Args))]);
        var replies = (RedisResult[])(await Guard(store.EvaluateAsync(CoordinatorScripts.Batch, keys, args)))!;
        for (var i = 0; i < scripts.Count; i++)
        {
            answers[scripts[i].Index] = Answer(scripts[i].Script, replies[i]);
        }

        return answers;
    }

    private static CoordinatorAnswer Answer(WriteScript script, RedisResult reply)
    {
        if (BatchScript.Error(reply) is { } error)
        {
            return new CoordinatorAnswer(null, error);
        }

        try
        {
            return new CoordinatorAnswer(script.Read(reply), null);
        }
        catch (Exception e)
        {
            return new CoordinatorAnswer(null, e);
        }
    }

    // A write's script, its step's name in a batch, its keys and arguments, and how its reply is read (what the single
    // call returns, or throws).
    private sealed record WriteScript(string Text, string Step, RedisKey[] Keys, RedisValue[] Args, Func<RedisResult, object?> Read);

    private WriteScript Script(CoordinatorWrite write) => write switch
    {
        CoordinatorWrite.Start start => new WriteScript(CoordinatorScripts.Start, "start",
            [.. LeaseKeys(start.Request), .. BeginKeys(start.Op)], [.. LeaseArgs(start.Request), .. BeginArgs(start.Op)],
            reply => ReadLease(reply, start.Op)),
        CoordinatorWrite.Begin begin => new WriteScript(CoordinatorScripts.Begin, "begin",
            [Fences, LastKey(begin.Op.GroupId), Open, LockKey(begin.Op.GroupId), .. BeginKeys(begin.Op)],
            [begin.Op.GroupId, begin.Op.Fence, "", "", .. BeginArgs(begin.Op)],
            reply => ReadBegin(reply, begin.Op)),
        CoordinatorWrite.Save save => SaveScript(save.Op, desired: null, releaseOwner: null),
        CoordinatorWrite.Close close => SaveScript(close.Op, DesiredGroup.Of(close.Op)?.Write(), close.ReleaseOwner),
        _ => throw new ArgumentOutOfRangeException(nameof(write), write, "not a coordinator write"),
    };

    private WriteScript SaveScript(OperationState op, string? desired, string? releaseOwner)
    {
        var box = _journaled.GetValue(op, _ => new StrongBox<Outcome?>());
        var (outcome, previous) = (op.Outcome, box.Value);
        // Until the answer is in, the entry may hold either outcome: a save whose answer is lost leaves it unknown.
        box.Value = null;
        var prune = !op.IsOpen && Interlocked.Increment(ref _closes) % PruneEvery == 0;
        // The close starts the key's window; while the operation is open its key never expires.
        var key = op is { IsOpen: false, Key: { } k } ? IdemKey(k) : (RedisKey?)null;
        return new WriteScript(CoordinatorScripts.Save, "save",
            [Fences, OpKey(op.Id), Open, All, GroupIndex(op.GroupId), Desired, LockKey(op.GroupId), .. OutcomeIndexes, .. key is { } idem ? [idem] : Array.Empty<RedisKey>()],
            [op.GroupId, op.Fence, _journal.WriteUtf8(op), op.Id,
                op.IsOpen ? "" : (long)options.Value.ClosedRetention.TotalMilliseconds, Keep, op.StartedAt.ToUnixTimeMilliseconds(),
                Position(op.Outcome),
                // Index entries older than twice the entries' retention point at nothing any more.
                (op.StartedAt - options.Value.ClosedRetention * 2).ToUnixTimeMilliseconds(),
                desired ?? "", releaseOwner ?? "",
                previous is { } before ? Position(before) : 0,
                prune ? "1" : "0",
                key is null ? "" : (long)options.Value.IdempotencyKeyWindow.TotalMilliseconds],
            reply =>
            {
                Written(op, reply);
                box.Value = outcome;
                return null;
            });
    }

    public async Task<Membership?> GetMembershipAsync(CancellationToken ct) =>
        MembershipFormat.Read((string?)(RedisValue)await Guard(store.ExecuteAsync("HGET", MembershipKey, "members")));

    // The replicas are listed first, so the script can name each announcement as a key; one that announced since is
    // reported by the script, and the write is tried again with it listed.
    public async Task<bool> ChangeMembershipAsync(Membership next, int needs, CancellationToken ct)
    {
        for (var tries = 0; ; tries++)
        {
            var names = needs > 0 ? await ListedReplicasAsync() : [];
            var answer = await Guard(store.EvaluateAsync(CoordinatorScripts.ChangeMembership,
                [MembershipKey, Replicas, .. names.Select(ReplicaKey)],
                [next.Epoch, MembershipFormat.Write(next), needs, .. names.Select(n => (RedisValue)n)]));
            if (answer.Resp2Type == ResultType.Integer)
            {
                return (long)answer == 1;
            }

            var reply = (RedisResult[])answer!;
            if ((string?)reply[0] == "older")
            {
                throw new OlderReplicasLiveException([.. reply.Skip(1).Select(a => ReplicaFormat.Read((string?)a)).OfType<ReplicaAnnouncement>()]);
            }

            if (tries >= 10)
            {
                throw new CoordinatorStoreException($"Replicas kept announcing while membership epoch {next.Epoch} was written; nothing was changed.");
            }
        }
    }

    public Task AnnounceAsync(ReplicaAnnouncement replica, TimeSpan ttl, CancellationToken ct) =>
        Guard(store.EvaluateAsync(CoordinatorScripts.Announce, [ReplicaKey(replica.Replica), Replicas],
            [ReplicaFormat.Write(replica), (long)ttl.TotalMilliseconds, replica.Replica]));

    public Task WithdrawAsync(string replica, CancellationToken ct) =>
        Guard(store.EvaluateAsync(CoordinatorScripts.Withdraw, [ReplicaKey(replica), Replicas], [replica]));

    public async Task<IReadOnlyList<ReplicaAnnouncement>> ListReplicasAsync(CancellationToken ct)
    {
        var names = await ListedReplicasAsync();
        if (names.Length == 0)
        {
            return [];
        }

        var values = (RedisValue[])(await Guard(store.ExecuteAsync("MGET", [.. names.Select(n => (RedisValue)ReplicaKey(n).ToString())])))!;
        var expired = names.Where((_, i) => values[i].IsNull).ToArray();
        if (expired.Length > 0)
        {
            await Guard(store.EvaluateAsync(CoordinatorScripts.ForgetExpired, [Replicas, .. expired.Select(ReplicaKey)],
                [.. expired.Select(n => (RedisValue)n)]));
        }

        return [.. values.Where(v => !v.IsNull).Select(v => ReplicaFormat.Read(v)).OfType<ReplicaAnnouncement>()];
    }

    // The replicas that announced, live or expired.
    private async Task<string[]> ListedReplicasAsync() =>
        [.. ((RedisValue[])(await Guard(store.ExecuteAsync("SMEMBERS", Replicas)))!).Select(v => (string)v!)];

    private static RedisKey ReplicaKey(string replica) => $"cg:replica:{replica}";

    public async Task<OperationState?> GetAsync(string operationId, CancellationToken ct)
    {
        var json = (RedisValue)await Guard(store.ExecuteAsync("GET", OpPrefix + operationId));
        return json.HasValue ? Read(json.ToString()) : null;
    }

    public async Task<IReadOnlyList<OperationState>> ListOpenAsync(CancellationToken ct) =>
        [.. (await ReadManyAsync((RedisValue[])(await Guard(store.ExecuteAsync("SMEMBERS", Open)))!)).OrderBy(r => r.StartedAt)];

    // Two reads, not one script: the entry's key is known only after the first (a script must name its keys). The
    // caller holds the group's lease, or only reports, so the pointer moving in between changes nothing it relies on.
    public async Task<OperationState?> LastForGroupAsync(string groupId, CancellationToken ct)
    {
        var id = (RedisValue)await Guard(store.ExecuteAsync("GET", (string)LastKey(groupId)!));
        return id.IsNull ? null : await GetAsync(id.ToString(), ct);
    }

    // Walks the most selective index (the group's, else the outcome's, else the open set or all) newest first, from
    // the cursor down to Since, in batches; other filters are checked on the entries read. Bounded: at most
    // MaxBatches batches per page, then the page ends with a cursor where the walk stopped.
    // The caller has no index of its own here (PostgreSQL has one): it is one of the filters checked on the entries read.
    public async Task<OperationPage> SearchAsync(OperationQuery query, CancellationToken ct)
    {
        if (query is { GroupId: null, Outcome: null, OpenOnly: true })
        {
            // The open set is small (what recovery drives): read it whole.
            return OperationPage.Of(await ListOpenAsync(ct), query);
        }

        var index = query.GroupId is { } g ? GroupIndex(g) : query.Outcome is { } o ? OutcomeIndex(o) : All;
        var max = query.After is { } after ? after.StartedAtMs.ToString(CultureInfo.InvariantCulture) : "+inf";
        var min = query.Since is { } since ? since.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) : "-inf";
        var batch = Math.Max(query.Limit * 2, 50);
        var found = new List<OperationState>();
        OperationCursor? walked = null;
        for (var round = 0; round < MaxBatches; round++)
        {
            var reply = (RedisValue[])(await Guard(store.ExecuteAsync("ZREVRANGEBYSCORE", (string)index!, max, min, "WITHSCORES",
                "LIMIT", round * batch, batch)))!;
            var ids = Enumerable.Range(0, reply.Length / 2)
                .Select(i => (Id: reply[2 * i].ToString(), Score: (long)(double)reply[2 * i + 1])).ToList();
            var fresh = ids.Where(e => query.After is null || query.After.IsAfter(e.Score, e.Id)).ToList();
            found.AddRange((await ReadManyAsync([.. fresh.Select(e => (RedisValue)e.Id)])).Where(query.Matches));
            if (ids.Count > 0)
            {
                walked = new OperationCursor(ids[^1].Score, ids[^1].Id);
            }

            if (found.Count > query.Limit || ids.Count < batch)
            {
                var page = found.Take(query.Limit).ToList();
                return new OperationPage(page, found.Count > query.Limit ? OperationCursor.Of(page[^1]) : null);
            }
        }

        // Walked MaxBatches without filling the page: what was found, and where to go on from.
        return new OperationPage(found, walked);
    }

    private const int MaxBatches = 20;

    public async Task<IReadOnlyDictionary<string, DesiredGroup>> GetDesiredAsync(IReadOnlyCollection<string> groupIds, CancellationToken ct)
    {
        var found = new Dictionary<string, DesiredGroup>(StringComparer.Ordinal);
        foreach (var batch in groupIds.Distinct(StringComparer.Ordinal).Chunk(DesiredBatch))
        {
            var values = (RedisValue[])(await Guard(store.ExecuteAsync("HMGET", [Desired, .. batch.Select(id => (RedisValue)id)])))!;
            for (var i = 0; i < batch.Length; i++)
            {
                if (DesiredGroup.Read(values[i]) is { } desired)
                {
                    found[batch[i]] = desired;
                }
            }
        }

        return found;
    }

    // HSCAN of cg:desired: a cursor of the store's own; a field may come twice in one pass.
    public async Task<DesiredPage> ListDesiredAsync(string? cursor, int limit, CancellationToken ct)
    {
        var reply = (RedisResult[])(await Guard(store.ExecuteAsync("HSCAN", Desired, cursor ?? "0", "COUNT", limit)))!;
        var fields = (RedisValue[])reply[1]!;
        var groups = new List<KeyValuePair<string, DesiredGroup>>(fields.Length / 2);
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            if (DesiredGroup.Read(fields[i + 1]) is { } desired)
            {
                groups.Add(new(fields[i].ToString(), desired));
            }
        }

        var next = reply[0].ToString();
        return new DesiredPage(groups, next == "0" ? null : next);
    }

    private async Task<IReadOnlyList<OperationState>> ReadManyAsync(RedisValue[] ids)
    {
        if (ids.Length == 0)
        {
            return [];
        }

        var values = (RedisValue[])(await Guard(store.ExecuteAsync("MGET", [.. ids.Select(id => (RedisValue)(OpPrefix + id))])))!;
        return [.. values.Where(v => v.HasValue).Select(v => Read(v.ToString(), skipNewer: true)).OfType<OperationState>()];
    }

    private OperationState? Read(string json, bool skipNewer = false)
    {
        var op = skipNewer ? _journal.ReadOrSkipNewer(json) : _journal.Read(json);
        if (op is not null)
        {
            Journaled(op, op.Outcome);
        }

        return op;
    }

    private void Journaled(OperationState op, Outcome outcome) => _journaled.AddOrUpdate(op, new StrongBox<Outcome?>(outcome));

    private static RedisKey[] BeginKeys(OperationState op) => op.Key is { } key
        ? [OpKey(op.Id), All, GroupIndex(op.GroupId), OutcomeIndexes[Position(op.Outcome) - 1], MembershipKey, IdemKey(key)]
        : [OpKey(op.Id), All, GroupIndex(op.GroupId), OutcomeIndexes[Position(op.Outcome) - 1], MembershipKey];

    private RedisValue[] BeginArgs(OperationState op) =>
        [_journal.WriteUtf8(op), op.Id, op.StartedAt.ToUnixTimeMilliseconds(), new KeyedRequest(op.Id, op.Kind, op.GroupId).Write(), op.Epoch];

    private static void Written(OperationState op, RedisResult result)
    {
        if ((long)result != 1)
        {
            throw new CoordinatorFencedException(op.Id);
        }
    }

    // The store's failures, as the port names them.
    private static async Task<RedisResult> Guard(Task<RedisResult> call)
    {
        try
        {
            return await call;
        }
        catch (StoreUnavailableException e)
        {
            throw new CoordinatorStoreException($"The coordinator store is unreachable: {e.Message}", e);
        }
    }

    // An outcome's position in Outcomes, 1-based: how the Save script finds its index among its KEYS.
    private static int Position(Outcome outcome) => Array.IndexOf(Outcomes, outcome) + 1;

    private static RedisKey OpKey(string id) => OpPrefix + id;
    private static RedisKey GroupIndex(string groupId) => $"cg:ops:group:{groupId}";
    private static RedisKey OutcomeIndex(Outcome outcome) => $"cg:ops:outcome:{outcome}";
    private static RedisKey LastKey(string groupId) => $"cg:group:{groupId}:last";
    private static RedisKey LockKey(string groupId) => $"cg:lock:{groupId}";
    private static RedisKey IdemKey(RequestKey key) => $"cg:idem:{key.Scope}:{key.Value}";
}
