using ClusterGroups.Web.Startup;
using StackExchange.Redis;

namespace ClusterGroups.Api.Startup;

// docs/ARCHITECTURE.md, "Cold start": the coordinator store answers before the Api listens. Its connection is opened at
// start (ApiServiceExtensions.AddCoordinator); this is its first command, so /health is not Healthy while the journal
// cannot be reached at start. (Its scripts load on first use: SCRIPT LOAD pipelined ahead of the EVALSHA, no blocking.)
public sealed class CoordinatorWarmUp(IConnectionMultiplexer coordinator) : IWarmUp
{
    public string Name => "coordinator";

    public Task RunAsync(CancellationToken ct) => coordinator.GetDatabase().PingAsync().WaitAsync(ct);
}
