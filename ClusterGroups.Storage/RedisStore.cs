using StackExchange.Redis;

namespace ClusterGroups.Storage;

// IRedisStore over StackExchange.Redis. Connection and timeout failures become StoreUnavailableException; a script
// error (a bug, or a store without Lua) stays a RedisServerException.
//
// Durable answers (README, "What a store promises"): a reply is handed on only once the store's log holds everything
// it showed. The embedded Garnet runs without --aof-commit-wait, which made it wait for a log commit after every
// operation, even each one inside a script (a node's write is several); instead every call here is followed on the
// same connection, without waiting for its reply, by a COMMITAOF shared with the calls of the moment, and its reply
// waits for that commit (GroupCommit). COMMITAOF returns once the log is committed up to its tail, and the store runs
// one connection's commands in order, so the commit covers the call. That holds because one multiplexer writes its
// calls to its one interactive connection in the order they are made (PhysicalBridge: a call that finds others
// queued queues behind them), each call is enqueued before the library's method returns, and no call here is sent
// again by the library later (see EvaluateAsync).
// Reads wait too, as Garnet's own commit wait makes them: a read may show a write whose own commit is still on its
// way (an idempotent replay of it, say). A store that does not know COMMITAOF (redis-server: appendfsync always
// fsyncs before it replies) is not asked again. commitLog false: the benchmark's A/B of what durability costs
// (Cluster:DurableAcks=false), acknowledged writes can then be lost.
public sealed class RedisStore : IRedisStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly GroupCommit _commits;
    private readonly ScriptHashes _hashes = new();
    private volatile bool _commitLog;

    public RedisStore(IConnectionMultiplexer redis, bool commitLog = true)
    {
        _redis = redis;
        _commitLog = commitLog;
        _commits = new GroupCommit(CommitLogAsync);
    }

    private IDatabase Db => _redis.GetDatabase();

    // EVALSHA by our own hash, not the library's ScriptEvaluateAsync(string script): answered NOSCRIPT (a store that
    // restarted has forgotten its scripts), that one sends the script again by itself, behind the commit already
    // enqueued for it, which would then not cover what it wrote. NOSCRIPT means nothing ran: load the script, and run
    // it again with a commit of its own.
    public Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args) => Guard(async () =>
    {
        var hash = _hashes.Of(script);
        try
        {
            return await Durably(() => Db.ScriptEvaluateAsync(hash, keys, args));
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            await Db.ExecuteAsync("SCRIPT", "LOAD", script);
            return await Durably(() => Db.ScriptEvaluateAsync(hash, keys, args));
        }
    });

    public Task<RedisResult> ExecuteAsync(string command, params RedisValue[] args) =>
        Guard(() => Durably(() => Db.ExecuteAsync(command, [.. args.Select(a => (object)a)])));

    private Task<RedisResult> Durably(Func<Task<RedisResult>> call) => _commitLog ? _commits.AfterCommitAsync(call) : call();

    private static async Task<RedisResult> Guard(Func<Task<RedisResult>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException || Loading(e))
        {
            throw new StoreUnavailableException(e.Message, e);
        }
    }

    // A redis-server that restarted answers LOADING to every command until it has replayed its data: nothing ran, and
    // the store is unavailable for that while, as much as one not yet listening (seen stopping the Api, whose replica
    // announcer took it for a script's error after kill -9 of a redis-server coordinator).
    private static bool Loading(Exception e) =>
        e is RedisServerException && e.Message.StartsWith("LOADING", StringComparison.Ordinal);

    private async Task CommitLogAsync()
    {
        try
        {
            await Db.ExecuteAsync("COMMITAOF");
        }
        catch (RedisServerException e) when (e.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase))
        {
            _commitLog = false;
        }
    }
}
