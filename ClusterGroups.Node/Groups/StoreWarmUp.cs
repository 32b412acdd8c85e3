using ClusterGroups.Web.Startup;
using StackExchange.Redis;

namespace ClusterGroups.Node.Groups;

// docs/ARCHITECTURE.md, "Cold start": what a node does before it listens. Its store connection is already open (Aspire
// opens it at start, NodeServiceExtensions); here every script is loaded into the store and into StackExchange.Redis's
// script cache (the first write is then one EVALSHA, not SCRIPT LOAD and EVALSHA from every caller at once, and a store
// without Lua is named at start), and one read goes through the store path.
public sealed class StoreWarmUp(IConnectionMultiplexer redis, GroupStore groups) : IWarmUp
{
    // Not a valid groupId (one starts with no '.'): no caller can create it.
    private const string Probe = ".warm-up";

    private static readonly string[] Scripts =
        [NodeScripts.Create, NodeScripts.Delete, NodeScripts.Abort, NodeScripts.Wipe, NodeScripts.BulkCreate];

    public string Name => "store";

    public async Task RunAsync(CancellationToken ct)
    {
        // Not connected yet (the store is down or still starting): fail now and be retried, rather than wait in the
        // client's backlog for its timeout.
        if (!redis.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "the store is not connected yet");
        }

        foreach (var server in redis.GetServers())
        {
            foreach (var script in Scripts)
            {
                await server.ScriptLoadAsync(script).WaitAsync(ct);
            }
        }

        await groups.ReadAsync(Probe).WaitAsync(ct);
    }
}
