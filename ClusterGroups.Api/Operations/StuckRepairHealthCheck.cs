using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Operations;

// /health is Degraded while a pending repair has been open longer than Operations:PendingRepairAlertAfter: the
// cluster is divergent and recovery has not managed to finish the rollback (a node that does not come back). So is an
// operation still Running that long: no run finishes it (a node that refuses every token the coordinator hands out
// was one, issue 23), and its group is blocked meanwhile. The description and data name the operations, so the alert
// says what to look at (/v1/operations/{id}, `groups op`).
public sealed class StuckRepairHealthCheck(ICoordinator journal, TimeProvider time, IOptions<OperationAlertOptions> options) : IHealthCheck
{
    public const string Name = "repairs";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var limit = options.Value.PendingRepairAlertAfter;
        var stuck = (await journal.ListOpenAsync(ct))
            .Where(op => op.Outcome is Outcome.PendingRepair or Outcome.Running && now - op.StartedAt > limit)
            .OrderBy(op => op.StartedAt)
            .ToList();
        if (stuck.Count == 0)
        {
            return HealthCheckResult.Healthy($"no pending repair older than {limit}");
        }

        var data = stuck.ToDictionary(op => op.Id,
            op => (object)$"{op.Kind.ToString().ToLowerInvariant()} {op.GroupId}, {op.Outcome}, open {(now - op.StartedAt):g}");
        return HealthCheckResult.Degraded(
            $"{stuck.Count} pending repair(s) or running operation(s) older than {limit}: {string.Join(", ", stuck.Select(op => op.Id))}", data: data);
    }
}
