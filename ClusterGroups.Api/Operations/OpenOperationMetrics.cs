using ClusterGroups.Api.Coordinator;
using System.Diagnostics.Metrics;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Operations;

// Alert-ready gauges, refreshed from the journal every MetricsInterval (gauge callbacks cannot await a store):
//   clustergroups.operations.open.by_age   open operations per age bucket (tag "age": lt_1m, 1m_5m, 5m_1h, ge_1h)
//   clustergroups.repair.oldest.age        seconds the oldest pending repair has been open (0: none)
public sealed partial class OpenOperationMetrics : BackgroundService
{
    private readonly ICoordinator _journal;
    private readonly TimeProvider _time;
    private readonly IOptions<OperationAlertOptions> _options;
    private readonly ILogger<OpenOperationMetrics> _logger;
    private readonly Meter _meter;
    private volatile OpenOperationAges _current = OpenOperationAges.None;

    public OpenOperationMetrics(
        ICoordinator journal, TimeProvider time, IOptions<OperationAlertOptions> options, IMeterFactory meters,
        ILogger<OpenOperationMetrics> logger)
    {
        (_journal, _time, _options, _logger) = (journal, time, options, logger);
        _meter = meters.Create(FanOutTelemetry.Name);
        _meter.CreateObservableGauge("clustergroups.operations.open.by_age",
            () => _current.ByAge.Select(b => new Measurement<int>(b.Value, new KeyValuePair<string, object?>("age", b.Key))),
            "{operation}", "Open operations (running or pending repair) by how long they have been open");
        _meter.CreateObservableGauge("clustergroups.repair.oldest.age",
            () => _current.OldestPendingRepair?.TotalSeconds ?? 0, "s", "How long the oldest pending repair has been open");
    }

    public OpenOperationAges Current => _current;

    public async Task RefreshAsync(CancellationToken ct) =>
        _current = OpenOperationAges.Of(await _journal.ListOpenAsync(ct), _time.GetUtcNow());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Value.MetricsInterval, _time);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRefreshFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    [LoggerMessage(LogLevel.Warning, "Could not read the open operations for the gauges; trying again next round")]
    private partial void LogRefreshFailed(Exception e);
}
