using StackExchange.Redis;

namespace ClusterGroups.Storage;

// IRedisStore over StackExchange.Redis. Scripts go as EVALSHA once the store knows them (the library caches the
// hash). Connection and timeout failures become StoreUnavailableException; a script error (a bug, or a store
// without Lua) stays a RedisServerException.
//
// Durable answers (README, "What a store promises"): a reply is returned only once the store's log holds everything
// it showed. The embedded Garnet runs without --aof-commit-wait, which made it wait for a log commit after every
// operation, even each one inside a script (a node's write is several); instead every reply here waits for a
// COMMITAOF issued after it came, shared by all replies that came meanwhile (GroupCommit). COMMITAOF returns once
// the log is committed up to its tail. Reads wait too, as Garnet's own commit wait makes them: a read may show a
// write whose own commit is still on its way (an idempotent replay of it, say). A store that does not know COMMITAOF
// (redis-server: appendfsync always fsyncs before it replies) is not asked again. commitLog false: the benchmark's
// A/B of what durability costs (Cluster:DurableAcks=false), acknowledged writes can then be lost.
public sealed class RedisStore : IRedisStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly GroupCommit _commits;
    private volatile bool _commitLog;

    public RedisStore(IConnectionMultiplexer redis, bool commitLog = true)
    {
        _redis = redis;
        _commitLog = commitLog;
        _commits = new GroupCommit(CommitLogAsync);
    }

    private IDatabase Db => _redis.GetDatabase();

    public Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args) =>
        Guard(Db.ScriptEvaluateAsync(script, keys, args));

    public Task<RedisResult> ExecuteAsync(string command, params RedisValue[] args) =>
        Guard(Db.ExecuteAsync(command, [.. args.Select(a => (object)a)]));

    private async Task<RedisResult> Guard(Task<RedisResult> call)
    {
        try
        {
            var result = await call;
            if (_commitLog)
            {
                await _commits.CommitAsync();
            }

            return result;
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            throw new StoreUnavailableException(e.Message, e);
        }
    }

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
