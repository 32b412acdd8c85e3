using ClusterGroups.Storage;
using ClusterGroups.Web.Startup;
using StackExchange.Redis;

namespace ClusterGroups.Node.Groups;

// docs/ARCHITECTURE.md, "Cold start": what a node does before it listens. Its store connection is already open (Aspire
// opens it at start, NodeServiceExtensions); here every script is loaded, and one read goes through the store path.
public sealed class StoreWarmUp(IConnectionMultiplexer redis, GroupStore groups) : IWarmUp
{
    // Not a valid groupId (one starts with no '.'): no caller can create it.
    private const string Probe = ".warm-up";

    private static readonly string[] Scripts =
    [
        NodeScripts.Create, NodeScripts.Delete, NodeScripts.Abort, NodeScripts.Wipe, NodeScripts.BulkCreate,
        NodeScripts.TakeOver, NodeScripts.Batch,
    ];

    public string Name => "store";

    public async Task RunAsync(CancellationToken ct)
    {
        await ScriptPreload.LoadAsync(redis, Scripts, Name, ct);
        await groups.ReadAsync(Probe).WaitAsync(ct);
    }
}
