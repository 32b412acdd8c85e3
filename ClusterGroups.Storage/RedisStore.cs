using StackExchange.Redis;

namespace ClusterGroups.Storage;

// IRedisStore over StackExchange.Redis. Scripts go as EVALSHA once the store knows them (the library caches the
// hash). Connection and timeout failures become StoreUnavailableException; a script error (a bug, or a store
// without Lua) stays a RedisServerException.
public sealed class RedisStore(IConnectionMultiplexer redis) : IRedisStore
{
    private IDatabase Db => redis.GetDatabase();

    public Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args) =>
        Guard(Db.ScriptEvaluateAsync(script, keys, args));

    public Task<RedisResult> ExecuteAsync(string command, params RedisValue[] args) =>
        Guard(Db.ExecuteAsync(command, [.. args.Select(a => (object)a)]));

    private static async Task<RedisResult> Guard(Task<RedisResult> call)
    {
        try
        {
            return await call;
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            throw new StoreUnavailableException(e.Message, e);
        }
    }
}
