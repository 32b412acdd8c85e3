using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;

namespace ClusterGroups.Api.Operations;

// What an operator can do to one open operation, each journaled with the caller key name:
//   retry    drive it now with the protocol's own resume (what recovery does on its next due round)
//   abandon  give its rollback up on purpose: it closes as Abandoned, stays listed, is no longer retried, and the
//            group shows as divergent (the consistency report) until it is reconciled
// Both run under the group's lease, like every step that changes an operation, so they never race recovery or a
// new operation on the group.
public sealed class OperationActions(IOperationJournal journal, IGroupLocks locks, FanOutProtocol protocol, TimeProvider time)
{
    public Task<ActionResult> RetryAsync(string operationId, string? caller, CancellationToken ct) =>
        UnderLeaseAsync(operationId, async (op, lease) =>
        {
            op.Actions.Add(new OperatorAction("retry", caller, time.GetUtcNow(), null));
            await journal.SaveAsync(op, ct);
            await protocol.ResumeAsync(op, lease, ct);
        }, ct);

    public Task<ActionResult> AbandonAsync(string operationId, string? caller, string reason, CancellationToken ct) =>
        UnderLeaseAsync(operationId, async (op, _) =>
        {
            op.Actions.Add(new OperatorAction("abandon", caller, time.GetUtcNow(), reason));
            op.Outcome = Outcome.Abandoned;
            op.EndedAt = time.GetUtcNow();
            await journal.SaveAsync(op, ct);
        }, ct);

    private static readonly TimeSpan LeaseWait = TimeSpan.FromSeconds(10);

    private async Task<ActionResult> UnderLeaseAsync(string operationId, Func<OperationState, IGroupLease, Task> act, CancellationToken ct)
    {
        if (await journal.GetAsync(operationId, ct) is not { } known)
        {
            return new ActionResult(ActionStatus.NotFound, null);
        }

        if (!known.IsOpen)
        {
            return new ActionResult(ActionStatus.Closed, known);
        }

        // Recovery may be driving it this very moment: wait for that round to end rather than refuse at once.
        await using var lease = await locks.AcquireAsync(known.GroupId, LeaseWait, ct);
        if (lease is null)
        {
            return new ActionResult(ActionStatus.Busy, known);
        }

        // Read again under the lease: recovery may have closed it meanwhile.
        if (await journal.GetAsync(operationId, ct) is not { IsOpen: true } op)
        {
            return new ActionResult(ActionStatus.Closed, await journal.GetAsync(operationId, ct));
        }

        // The operation is taken over with this lease's token: the journal refuses writes of an older owner.
        (op.Owner, op.Fence, op.Lease) = (lease.Owner, lease.Token, lease);
        try
        {
            await act(op, lease);
        }
        catch (JournalFencedException)
        {
            return new ActionResult(ActionStatus.Busy, await journal.GetAsync(operationId, ct));
        }

        return new ActionResult(ActionStatus.Done, op);
    }
}

public enum ActionStatus { Done, NotFound, Closed, Busy }

public sealed record ActionResult(ActionStatus Status, OperationState? Operation);
