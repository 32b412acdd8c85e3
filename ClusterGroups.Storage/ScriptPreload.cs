using StackExchange.Redis;

namespace ClusterGroups.Storage;

// A process's scripts loaded into its store before it takes requests (docs/ARCHITECTURE.md, "Cold start"), so the
// first callers' EVALSHA (RedisStore) find them rather than each answered NOSCRIPT and sending a SCRIPT LOAD of its
// own; a store without Lua is named at start.
public static class ScriptPreload
{
    public static async Task LoadAsync(IConnectionMultiplexer redis, IReadOnlyList<string> scripts, string store, CancellationToken ct)
    {
        // Not connected yet (the store is down or still starting): fail now and be retried by the warm-up, rather than
        // wait in the client's backlog for its timeout.
        if (!redis.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"the {store} is not connected yet");
        }

        foreach (var server in redis.GetServers())
        {
            foreach (var script in scripts)
            {
                await server.ScriptLoadAsync(script).WaitAsync(ct);
            }
        }
    }
}
