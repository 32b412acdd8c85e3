using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Operations;

// What an operator can do to one open operation, each journaled with the caller key name:
//   retry    drive it now with the protocol's own resume (what recovery does on its next due round)
//   abandon  give its rollback up on purpose: it closes as Abandoned, stays listed, is no longer retried, and the
//            group shows as divergent (the consistency report) until it is reconciled
// Both take the operation over under the group's lease, like every step that changes an operation, so they never
// race recovery or a new operation on the group.
public sealed class OperationActions(Coordination coordination, FanOutProtocol protocol, TimeProvider time)
{
    public Task<ActionResult> RetryAsync(string operationId, string? caller, CancellationToken ct) =>
        UnderLeaseAsync(operationId, async run =>
        {
            run.Operation.Record(new OperatorAction("retry", caller, time.GetUtcNow(), null));
            await run.SaveAsync(ct);
            await protocol.ResumeAsync(run, ct);
        }, ct);

    public Task<ActionResult> AbandonAsync(string operationId, string? caller, string reason, CancellationToken ct) =>
        UnderLeaseAsync(operationId, async run =>
        {
            run.Operation.Abandon(new OperatorAction("abandon", caller, time.GetUtcNow(), reason));
            await run.CloseAsync(ct);
        }, ct);

    // Recovery may be driving it this very moment: wait for that round to end rather than refuse at once.
    private static readonly TimeSpan LeaseWait = TimeSpan.FromSeconds(10);

    private async Task<ActionResult> UnderLeaseAsync(string operationId, Func<OperationRun, Task> act, CancellationToken ct)
    {
        var takeOver = await coordination.TakeOverAsync(operationId, LeaseWait, ct);
        switch (takeOver.Status)
        {
            case TakeOverStatus.NotFound:
                return new ActionResult(ActionStatus.NotFound, null);
            case TakeOverStatus.Closed:
                return new ActionResult(ActionStatus.Closed, takeOver.Operation);
            case TakeOverStatus.Busy:
                return new ActionResult(ActionStatus.Busy, takeOver.Operation);
        }

        await using var run = takeOver.Run!;
        try
        {
            await act(run);
        }
        catch (CoordinatorFencedException)
        {
            return new ActionResult(ActionStatus.Busy, await coordination.Store.GetAsync(operationId, ct));
        }

        return new ActionResult(ActionStatus.Done, run.Operation);
    }
}

public enum ActionStatus { Done, NotFound, Closed, Busy }

public sealed record ActionResult(ActionStatus Status, OperationState? Operation);
