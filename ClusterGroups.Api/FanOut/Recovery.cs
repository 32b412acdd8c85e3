using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.FanOut;

public sealed class RecoveryOptions
{
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);
}

// Finishes what operations left open: a rollback that could not be completed ("pending repair") is driven again,
// with the protocol's own steps, until every node is back as it was. It never gives up; it logs every round.
public sealed partial class Recovery(
    IOperationJournal journal,
    IGroupLocks locks,
    FanOutProtocol protocol,
    IOptions<RecoveryOptions> options,
    TimeProvider time,
    ILogger<Recovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(e);
            }
        }
    }

    /// <summary>One pass over the open operations; returns how many were finished.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var finished = 0;
        foreach (var report in await journal.ListAsync(openOnly: true, max: 1000, ct))
        {
            if (report.Outcome is not Outcome.PendingRepair)
            {
                continue;
            }

            await using var lease = await locks.AcquireAsync(report.GroupId, TimeSpan.Zero, ct);
            if (lease is null)
            {
                continue; // an operation on this group is running; the next round takes it
            }

            // Read again under the lock: another replica may have finished it meanwhile.
            if (await journal.GetAsync(report.OperationId, ct) is not { Outcome: Outcome.PendingRepair } current)
            {
                continue;
            }

            if (await protocol.CompensateAsync(current, ct))
            {
                current.EndedAt = time.GetUtcNow();
                finished++;
                LogRepaired(current.OperationId, current.GroupId, current.Summary);
            }

            await journal.SaveAsync(current, ct);
        }

        return finished;
    }

    [LoggerMessage(LogLevel.Information, "Recovery finished the rollback of {OperationId} ({GroupId}): {Summary}")]
    private partial void LogRepaired(string operationId, string groupId, string summary);

    [LoggerMessage(LogLevel.Warning, "Recovery round failed; trying again next round")]
    private partial void LogRoundFailed(Exception e);
}
