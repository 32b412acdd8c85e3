using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.FanOut;

namespace ClusterGroups.Api.Journal;

// Start and Close as the separate calls they are made of: lease, last operation, begin; save, desired state (the
// lease is freed when the caller disposes it). For the in-memory journal and locks, where a call costs nothing.
public sealed class SteppedLeasedJournal(IGroupLocks locks, IOperationJournal journal, IDesiredState desiredState, TimeProvider time)
    : ILeasedJournal
{
    public async Task<OperationStart?> StartAsync(OperationState op, bool begin, TimeSpan wait, CancellationToken ct)
    {
        var lease = await locks.AcquireAsync(op.GroupId, wait, ct);
        if (lease is null)
        {
            return null;
        }

        try
        {
            (op.Owner, op.Fence, op.Lease, op.StartedAt) = (lease.Owner, lease.Token, lease, time.GetUtcNow());
            var last = await journal.LastForGroupAsync(op.GroupId, ct);
            if (last is { IsOpen: true } || !begin)
            {
                return new OperationStart(lease, last?.Id, last?.IsOpen == true, Begun: false);
            }

            await journal.BeginAsync(op, ct);
            return new OperationStart(lease, last?.Id, LastOpen: false, Begun: true);
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    public async Task CloseAsync(OperationState op, CancellationToken ct)
    {
        await journal.SaveAsync(op, ct);
        await desiredState.RecordAsync(op, ct);
    }
}
