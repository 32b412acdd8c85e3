using StackExchange.Redis;

namespace ClusterGroups.Storage;

// A Redis-protocol store as the node and the coordinator use it: a Lua script run atomically, naming every key it
// touches in `keys` (Garnet's --lua-transaction-mode locks exactly those), or one command. Nothing else: so the same
// scripts run in a real store (RedisStore, over StackExchange.Redis) and in the simulator's keyspace.
// A store that cannot be reached, or does not answer in time, throws StoreUnavailableException: whether a write
// whose answer never came took effect is then unknown.
public interface IRedisStore
{
    Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args);

    Task<RedisResult> ExecuteAsync(string command, params RedisValue[] args);
}
