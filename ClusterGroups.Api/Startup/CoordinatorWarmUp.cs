using ClusterGroups.Api.Coordinator.Redis;
using ClusterGroups.Storage;
using ClusterGroups.Web.Startup;
using StackExchange.Redis;

namespace ClusterGroups.Api.Startup;

// docs/ARCHITECTURE.md, "Cold start": the coordinator store answers, and knows the coordinator's scripts, before the Api
// listens. Its connection is opened at start (ApiServiceExtensions.AddCoordinator); /health is not Healthy while the
// journal cannot be reached at start.
public sealed class CoordinatorWarmUp(IConnectionMultiplexer coordinator) : IWarmUp
{
    private static readonly string[] Scripts =
    [
        CoordinatorScripts.Lease, CoordinatorScripts.Start, CoordinatorScripts.Begin, CoordinatorScripts.Save,
        CoordinatorScripts.Renew, CoordinatorScripts.Release,
    ];

    public string Name => "coordinator";

    public Task RunAsync(CancellationToken ct) => ScriptPreload.LoadAsync(coordinator, Scripts, Name, ct);
}
