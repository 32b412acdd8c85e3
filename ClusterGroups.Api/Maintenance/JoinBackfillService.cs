namespace ClusterGroups.Api.Maintenance;

// Runs the backfill of joining nodes every BackfillInterval on every replica (the repairs are leased operations and the
// promotion a compare-and-set, so replicas running it at once only repeat each other's reads).
public sealed partial class JoinBackfillService(JoinBackfill backfill, TimeProvider time, ILogger<JoinBackfillService> logger)
    : BackgroundService
{
    public static readonly TimeSpan BackfillInterval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(BackfillInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await backfill.RunAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(e);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Backfill round failed; trying again next round")]
    private partial void LogRoundFailed(Exception e);
}
