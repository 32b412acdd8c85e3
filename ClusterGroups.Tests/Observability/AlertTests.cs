using System.Diagnostics.Metrics;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Operations;
using ClusterGroups.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClusterGroups.Tests.Observability;

// The signals an alert watches, on a real stuck repair: an Api in-process (its own journal in memory) on the
// cluster's nodes, alerting after 1 s instead of 5 minutes.
[Collection(ClusterCollection.Name)]
public sealed class AlertTests(ClusterFixture cluster) : IAsyncLifetime
{
    private WebApplicationFactory<FanOutProtocol> _factory = null!;

    [Fact]
    public async Task A_pending_repair_older_than_the_setting_degrades_health_naming_it_and_shows_in_the_gauges()
    {
        var api = _factory.CreateClient();
        var health = _factory.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(r => r.Name == StuckRepairHealthCheck.Name)).Status);

        await cluster.SetChaosAsync("node3", new { errorBeforeApply = 1.0, methods = new[] { "POST" } });
        await cluster.SetChaosAsync("node2", new { errorBeforeApply = 1.0, methods = new[] { "DELETE" } });
        var response = await api.PostGroupAsync($"stuck-{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var operationId = (await response.JsonAsync())["operationId"]!.GetValue<string>();

        HealthReport? report = null;
        await Wait.UntilAsync(async () =>
            (report = await health.CheckHealthAsync(r => r.Name == StuckRepairHealthCheck.Name)).Status == HealthStatus.Degraded,
            Wait.Resource, "the stuck repair degrades health");
        var entry = report!.Entries[StuckRepairHealthCheck.Name];
        Assert.Contains(operationId, entry.Description);
        Assert.True(entry.Data.ContainsKey(operationId));
        Assert.Equal("Degraded", await api.GetStringAsync("/health").WaitAsync(Wait.Request));

        await Wait.UntilAsync(() => Task.FromResult(Gauge("clustergroups.repair.oldest.age") >= 1), Wait.Resource, "the oldest-repair gauge");
        await Wait.UntilAsync(() => Task.FromResult(Gauge("clustergroups.operations.open.by_age") >= 1), Wait.Resource, "the by-age gauge");

        // The node is back: recovery finishes the rollback, and the alert clears by itself.
        await cluster.MakeStableAsync();
        await Wait.UntilAsync(async () =>
            (await health.CheckHealthAsync(r => r.Name == StuckRepairHealthCheck.Name)).Status == HealthStatus.Healthy,
            Wait.Resource, "health is back once the repair closed");
        await Wait.UntilAsync(() => Task.FromResult(Gauge("clustergroups.repair.oldest.age") == 0), Wait.Resource, "the gauge is back to 0");
    }

    // The gauge's current value, summed over its tags, read as an exporter would (only this Api's meter).
    private double Gauge(string name)
    {
        var meters = _factory.Services.GetRequiredService<IMeterFactory>();
        double sum = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == name && instrument.Meter.Scope == meters)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => sum += value);
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => sum += value);
        listener.Start();
        listener.RecordObservableInstruments();
        return sum;
    }

    public Task InitializeAsync()
    {
        _factory = InProcessApi.Start(cluster, new Dictionary<string, string>
        {
            ["Cluster:Recovery:Interval"] = "00:00:00.500",
            ["Operations:PendingRepairAlertAfter"] = "00:00:01",
            ["Operations:MetricsInterval"] = "00:00:00.200",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await cluster.MakeStableAsync();
        await _factory.DisposeAsync();
    }
}
