using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Reconciliation;

public sealed class ReconcilerOptions
{
    // How often the background reconciler compares the nodes; 00:00:00 turns it off.
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    // How often a round also compares the nodes with the journal's desired state (the audit: a pass over every
    // recorded desired state, O(groups) in the coordinator, so not every round); 00:00:00 never.
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan AuditInterval { get; set; } = TimeSpan.FromMinutes(10);
}

// Runs the reconciler in the background, repairing only what the journal explains (UnexplainedPolicy.Report).
public sealed partial class ReconcilerService(Reconciler reconciler, IOptions<ReconcilerOptions> options, TimeProvider time,
    ILogger<ReconcilerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Interval == TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Interval, time);
        var audited = time.GetUtcNow();
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var audit = options.Value.AuditInterval > TimeSpan.Zero && time.GetUtcNow() - audited >= options.Value.AuditInterval;
                var report = await reconciler.RunAsync(UnexplainedPolicy.Report, audit, stoppingToken);
                if (audit)
                {
                    audited = time.GetUtcNow();
                }

                if (report.Unexplained.Count > 0)
                {
                    LogUnexplained(report.Unexplained.Count, string.Join(", ", report.Unexplained.Take(10).Select(g => g.GroupId)));
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(e);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Reconciler: {Count} divergent group(s) the journal cannot explain, left as they are: {Groups}")]
    private partial void LogUnexplained(int count, string groups);

    [LoggerMessage(LogLevel.Warning, "Reconciler round failed; trying again next round")]
    private partial void LogRoundFailed(Exception e);
}
