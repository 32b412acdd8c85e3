using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Model;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.FanOut;

// Finishes what operations left open, at start and then every Interval: an operation whose Api died mid-way (its
// lease expired) and a rollback that could not be completed ("pending repair") are driven to their end with the
// protocol's own steps. It never gives up; a round that fails is logged and the next one tries again.
public sealed partial class Recovery(
    Coordination coordination,
    FanOutProtocol protocol,
    IOptions<RecoveryOptions> options,
    TimeProvider time,
    FanOutTelemetry telemetry,
    ILogger<Recovery> logger) : BackgroundService
{
    private long openCount;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        telemetry.ObserveOpenOperations(() => Interlocked.Read(ref openCount));
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
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
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// One pass over the open operations; returns how many were closed. <paramref name="now"/> tries every open
    /// operation at once, whatever its backoff (an operator's "try again now").
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken ct, bool now = false)
    {
        var open = await coordination.Store.ListOpenAsync(ct);
        openCount = open.Count;
        var closed = 0;
        foreach (var op in open)
        {
            if (!now && !IsDue(op))
            {
                continue;
            }

            // A free lease means no live Api runs the operation: its owner died, or it is pending repair. Taken over,
            // it is read again under the lease (another replica may have finished it meanwhile).
            TakeOver takeOver;
            try
            {
                takeOver = await coordination.TakeOverAsync(op.Id, TimeSpan.Zero, ct);
            }
            catch (NewerJournalEntryException e)
            {
                // A newer replica rewrote it since the list was read (a rolling upgrade): it is theirs to finish, and
                // the rest of this round goes on.
                LogLeftToNewer(op.Id, e.Version);
                continue;
            }

            if (takeOver.Run is null)
            {
                continue;
            }

            await using var run = takeOver.Run;
            var (done, ended) = (await protocol.ResumeAsync(run, ct), run.Operation);
            if (!done && run.RefusedBelow is { } seen && await protocol.RetakeAboveAsync(run, seen, ct) is { } again)
            {
                // A node had seen a token above the one the coordinator handed out (FanOutProtocol.RetakeAboveAsync).
                await using (again)
                {
                    (done, ended) = (await protocol.ResumeAsync(again, ct), again.Operation);
                }
            }

            if (done)
            {
                closed++;
                LogRepaired(ended.Id, ended.GroupId, OperationNarrative.Summary(ended));
            }
        }

        return closed;
    }

    // A rollback that keeps failing is tried again with exponential backoff: after n tries, Interval x 2^n, at most
    // 10 x Interval, so a node that comes back is repaired within a bounded time. A crashed Api's operation is due at once.
    private bool IsDue(OperationState op)
    {
        if (op.LastRecoveryAt is not { } last || op.Outcome is Outcome.Running)
        {
            return true;
        }

        var interval = options.Value.Interval;
        var wait = interval * Math.Min(10, Math.Pow(2, Math.Min(op.Recoveries, 10)));
        return time.GetUtcNow() >= last + wait;
    }

    [LoggerMessage(LogLevel.Information, "Recovery finished the rollback of {OperationId} ({GroupId}): {Summary}")]
    private partial void LogRepaired(string operationId, string groupId, string summary);

    [LoggerMessage(LogLevel.Information, "Recovery left {OperationId} to a newer Api: its entry is journal version {Version}")]
    private partial void LogLeftToNewer(string operationId, int version);

    [LoggerMessage(LogLevel.Warning, "Recovery round failed; trying again next round")]
    private partial void LogRoundFailed(Exception e);
}
