using ClusterGroups.Api.Model;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Coordinator;

// The rules on top of the coordinator port that do not depend on its store: a lease's token is proposed by the Api
// (FencingTokens) and raised past a refusal; a busy lease is waited for (LeaseWait) up to the caller's patience; a
// lease taken is kept (GroupLease). Two ways in:
//   Start     a new operation: the group's lease, which operation ran last on it and, when that one is closed and
//             `begin` is set, the new one begun: one round trip (steps 1 and 2). The operation's Idempotency-Key is
//             checked (and recorded) in that step; the caller's deadline is checked before each try, so an operation
//             is never started after it (a try may come after waiting for a busy lease).
//   TakeOver  an open operation another run left (its Api died, its rollback is pending, an operator acts on it):
//             the group's lease, then the entry read again under it and taken over with the lease's token.
public sealed class Coordination(ICoordinator coordinator, IOptions<CoordinatorOptions> options, TimeProvider time, Entropy entropy)
{
    public ICoordinator Store => coordinator;

    /// <summary>Null when the lease stayed taken for <paramref name="wait"/>.</summary>
    public async Task<OperationStart?> StartAsync(
        OperationState op, bool begin, TimeSpan wait, CancellationToken ct, DateTimeOffset? deadline = null)
    {
        var taken = await LeaseAsync(op.GroupId, op, begin, wait, ct, deadline);
        return taken switch
        {
            null => null,
            { Refusal: { } refusal } => new OperationStart(null, null, false, false) { Refusal = refusal },
            { Lease: var lease, Answer: var answer } => new OperationStart(new OperationRun(op, lease!, coordinator), answer!.LastId,
                answer.LastOpen, answer.Begun),
        };
    }

    /// <param name="floor">a token the lease's must be above (one a node has seen for the group: FanOutProtocol).</param>
    public async Task<TakeOver> TakeOverAsync(string operationId, TimeSpan wait, CancellationToken ct, long floor = 0)
    {
        if (await coordinator.GetAsync(operationId, ct) is not { } known)
        {
            return new TakeOver(TakeOverStatus.NotFound, null, null);
        }

        if (!known.IsOpen)
        {
            return new TakeOver(TakeOverStatus.Closed, known, null);
        }

        if (await LeaseAsync(known.GroupId, null, begin: false, wait, ct, floor: floor) is not { Lease: { } lease })
        {
            return new TakeOver(TakeOverStatus.Busy, known, null);
        }

        // Read again under the lease: another replica may have closed it meanwhile.
        try
        {
            if (await coordinator.GetAsync(operationId, ct) is not { IsOpen: true } current)
            {
                await lease.DisposeAsync();
                return new TakeOver(TakeOverStatus.Closed, await coordinator.GetAsync(operationId, ct), null);
            }

            current.TakeOver(lease.Owner, lease.Token);
            return new TakeOver(TakeOverStatus.Taken, current, new OperationRun(current, lease, coordinator));
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The caller's deadline passed before <paramref name="op"/> began. With an Idempotency-Key the refusal is recorded
    /// against the key (ICoordinator.RefuseKeyAsync), atomically with the key checks of Start and Begin: if the key
    /// already names a request (an earlier try of this one began it), that is the answer instead; either way a key
    /// names one fate, and a try still on its way begins nothing.
    /// </summary>
    public async Task<StartRefusal> PastDeadlineAsync(OperationState? op, CancellationToken ct) =>
        op?.Key is { } key && await coordinator.RefuseKeyAsync(key, KeyedRequest.PastDeadline(op.Kind, op.GroupId), ct) is { } named
            ? new StartRefusal.KeyUsed(named)
            : new StartRefusal.PastDeadline();

    // The lease, with a token above every one the group had; `op` begun with it when asked and possible. Or why
    // nothing was done: the deadline passed, or op's key names an earlier request. Null: the lease stayed busy.
    private async Task<Leased?> LeaseAsync(
        string groupId, OperationState? op, bool begin, TimeSpan wait, CancellationToken ct, DateTimeOffset? deadline = null, long floor = 0)
    {
        var duration = options.Value.LeaseDuration;
        var owner = entropy.NewLeaseOwner();
        var busy = new LeaseWait(wait, time);
        while (true)
        {
            if (deadline is { } until && time.GetUtcNow() >= until)
            {
                return new Leased(null, null, await PastDeadlineAsync(op, ct));
            }

            var asked = time.GetTimestamp();
            var token = FencingTokens.Propose(time, floor);
            op?.Lease(owner, token, time.GetUtcNow());
            switch (await coordinator.AcquireAsync(new LeaseRequest(groupId, owner, token, duration), begin ? op : null, ct))
            {
                case LeaseAnswer.Stale stale:
                    floor = stale.Current;
                    continue;
                case LeaseAnswer.Taken taken:
                    return new Leased(new GroupLease(coordinator, groupId, owner, token, duration, asked, time), taken, null);
                case LeaseAnswer.Keyed keyed:
                    return new Leased(null, null, new StartRefusal.KeyUsed(keyed.Request));
                default:
                    if (!await busy.NextAsync(ct))
                    {
                        return null;
                    }

                    continue;
            }
        }
    }

    private sealed record Leased(GroupLease? Lease, LeaseAnswer.Taken? Answer, StartRefusal? Refusal);
}

// What Start found. Begun: the operation is in the journal. Otherwise the group's last operation is still open
// (LastOpen: it must be finished first) or it was not asked to begin; the run holds the lease and decides.
// LastId is the group's last-operation pointer, which outlives the entry it names (ClosedRetention).
// Refusal (then no Run, no lease): nothing was done, and why.
public sealed record OperationStart(OperationRun? Run, string? LastId, bool LastOpen, bool Begun)
{
    public StartRefusal? Refusal { get; init; }
}

// Why a start did nothing, other than a busy lease.
public abstract record StartRefusal
{
    // The caller's deadline had passed before the start step.
    public sealed record PastDeadline : StartRefusal;

    // The operation's Idempotency-Key names an earlier request (Request): answer with its operation.
    public sealed record KeyUsed(KeyedRequest Request) : StartRefusal;
}

public enum TakeOverStatus { Taken, Busy, Closed, NotFound }

// What TakeOver found: the operation taken over (Run, to be disposed), or why not, with the entry as it stands.
public sealed record TakeOver(TakeOverStatus Status, OperationState? Operation, OperationRun? Run);
