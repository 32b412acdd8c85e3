using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.InMemory;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Operations;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ClusterGroups.UnitTests.Coordinator;

// Issue 23: an operation left Running (no run finishes it: its group is blocked) alerts as a pending repair does once
// it is older than Operations:PendingRepairAlertAfter.
public sealed class StuckOperationAlertTests
{
    [Fact]
    public async Task A_running_operation_older_than_the_alert_age_degrades_health_naming_it()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var journal = new InMemoryCoordinator(time, Options.Create(new CoordinatorOptions()));
        var op = new OperationState(new Operation("op-stuck", OperationKind.Create, "g1"), [new NodeProgress("node1")], null, null, null);
        op.Lease("owner-1", 1, time.GetUtcNow());
        Assert.IsType<LeaseAnswer.Taken>(await journal.AcquireAsync(new LeaseRequest("g1", "owner-1", 1, TimeSpan.FromSeconds(3)), op, CancellationToken.None));
        var check = new StuckRepairHealthCheck(journal, time, Options.Create(new OperationAlertOptions { PendingRepairAlertAfter = TimeSpan.FromMinutes(5) }));

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        time.Advance(TimeSpan.FromMinutes(6));
        var result = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("op-stuck", result.Description);
        Assert.True(result.Data.ContainsKey("op-stuck"));
    }
}
