using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClusterGroups.Web.Startup;

// Not ready until every warm-up step has succeeded once: a readiness probe (the AppHost's, Kubernetes') sends no
// traffic to a process that would meet its first callers cold.
public sealed class WarmUpHealthCheck(WarmUpState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(state.Pending is { Count: > 0 } pending
            ? HealthCheckResult.Unhealthy($"warming up: {string.Join(", ", pending)}")
            : HealthCheckResult.Healthy("warm"));
}
