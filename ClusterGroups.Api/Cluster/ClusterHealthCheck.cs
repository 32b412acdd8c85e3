using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClusterGroups.Api.Cluster;

// The Api is alive even when nodes are not; it reports Degraded, naming the nodes it cannot reach. Reachability only
// (one GET / per node): what a health probe costs must not grow with the number of groups.
public sealed class ClusterHealthCheck(ClusterScan scan) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var view = await scan.StatusAsync(withCounts: false, ct);
        var down = view.Nodes.Where(n => !n.Reachable).Select(n => n.Name).ToList();
        var data = view.Nodes.ToDictionary(n => n.Name, n => (object)(n.Reachable ? $"{n.LatencyMs} ms" : n.Error ?? "unreachable"));
        return down.Count == 0
            ? HealthCheckResult.Healthy($"all {view.NodeCount} nodes reachable", data)
            : HealthCheckResult.Degraded($"unreachable: {string.Join(", ", down)}", data: data);
    }
}
