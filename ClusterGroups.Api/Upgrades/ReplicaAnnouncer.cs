using ClusterGroups.Api.Coordinator;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Upgrades;

// Announces this replica's version in the coordinator at start and every AnnounceInterval, so that the others know
// what it understands; withdraws it when the replica stops, so a rolling restart does not wait for it to expire.
public sealed partial class ReplicaAnnouncer(
    ReplicaVersions versions, ICoordinator coordinator, IOptions<UpgradeOptions> options, TimeProvider time,
    ILogger<ReplicaAnnouncer> logger) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        versions.Apply();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.AnnounceInterval, time);
        do
        {
            try
            {
                await coordinator.AnnounceAsync(versions.Self, options.Value.AnnouncementLifetime, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever the store answers, the next tick tries again: an exception out of here would stop the
                // whole Api (BackgroundServiceExceptionBehavior.StopHost), as every background loop here knows.
                LogAnnounceFailed(e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await coordinator.WithdrawAsync(versions.Self.Replica, cancellationToken);
        }
        catch (Exception e) when (e is CoordinatorStoreException or OperationCanceledException)
        {
            // It expires by itself: AnnouncementLifetime after the last announcement.
            LogWithdrawFailed(e.Message);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not announce this replica's version in the coordinator: {Error}; trying again")]
    private partial void LogAnnounceFailed(string error);

    [LoggerMessage(LogLevel.Information, "Could not withdraw this replica's announcement ({Error}); it expires by itself")]
    private partial void LogWithdrawFailed(string error);
}
