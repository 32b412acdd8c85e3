using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Errors;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.FanOut;

// The protocol that keeps a group identical on every node, in step order:
//
//   0. members  the operation runs on the nodes the membership writes at its epoch (active and joining: Membership);
//                its start step (1-2) checks that epoch in the coordinator, so a replica whose view is out of date
//                never begins one that leaves a node out: it reads the membership again and plans anew;
//   1. lock      one operation per groupId at a time (across Api replicas too: the group's lease in the coordinator);
//                an earlier operation on the group still open is finished first;
//   2. journal   the operation is recorded, with the nodes it runs on (by name), before any node is touched (1 and 2
//                are one coordinator round trip when the group's last operation is closed: Coordination.StartAsync);
//   3. apply     every node in parallel, each in its dialect (KeyedDialect, SeedDialect). An answer that does not say
//                what happened (timeout, 5xx, reset) is never counted as success or failure: the node is asked
//                (step 4). Only a node known not to have applied the write gets it again, with the same key;
//   4. resolve   what a write with an unknown answer did is learned from the node: our nodes are told to abort the
//                write's key and answer what it did; other nodes were read before the write and are read again;
//   5. decide    all nodes applied or already so -> committed (or "already so" if no node changed);
//   6. undo      otherwise every node this operation changed, or may have changed, is put back as it was; what cannot
//                be undone now stays open in the journal as "pending repair" and recovery finishes it;
//   7. close     the outcome is journaled with the group's desired state, the lease freed (one round trip), answered.
//
// Fencing: the group's lease comes with a token that grows from lease to lease. Every node write carries it (nodes
// refuse a lower one than they have seen for the group) and every journal write is checked against it, so an owner
// that lost its lease (paused past it, cut off) stops at its next write: it never answers success, it answers what
// the journal then holds (TakenOverAsync).
// Words (OperationNarrative), spans and metrics (FanOutTelemetry) and log lines (FanOutLog) live beside this file;
// how one node is spoken to is its dialect's (NodeDialect).
public sealed class FanOutProtocol(
    ClusterDirectory cluster,
    ClusterMembership membership,
    NodeDialects dialects,
    Takeover takeover,
    Coordination coordination,
    FanOutTelemetry telemetry,
    IOptions<ClusterOptions> options,
    TimeProvider time,
    Entropy entropy,
    ILogger<FanOutProtocol> logger)
{
    /// <summary>
    /// Runs one operation to its end, or says why it could not start. With <paramref name="onlyAfter"/>, it starts
    /// only if the group's last journaled operation is still that one (the reconciler's repairs use this). With
    /// <paramref name="key"/>, it starts only if no earlier request recorded the key (else it answers what the key
    /// names); with <paramref name="deadline"/>, it starts nothing once that has passed (a begun one runs to its end).
    /// </summary>
    public async Task<FanOutResult> RunAsync(
        OperationKind kind, string groupId, CancellationToken stopping, LastOperationIs? onlyAfter = null, string? caller = null,
        RequestKey? key = null, DateTimeOffset? deadline = null)
    {
        // 0. members: planned under the membership this replica knows; the start step refuses an epoch that changed
        // (nothing was done), and the operation is planned again under the new one.
        for (var planned = 1; ; planned++)
        {
            try
            {
                return await RunAsync(await MembersAsync(planned > 1, stopping), kind, groupId, stopping, onlyAfter, caller, key, deadline);
            }
            catch (MembershipChangedException) when (planned < MaxPlans)
            {
            }
        }
    }

    // Nothing was begun yet: a coordinator that cannot say the membership is a coordinator that is down.
    private async Task<Membership> MembersAsync(bool changed, CancellationToken stopping)
    {
        try
        {
            return changed ? await membership.RefreshAsync(stopping) : await membership.CurrentAsync(stopping);
        }
        catch (CoordinatorStoreException e)
        {
            throw new CoordinatorUnavailableException(null, false, e);
        }
    }

    // Membership changes are rare (an operator's drain or rejoin): a few plans in a row only if changes come faster.
    private const int MaxPlans = 5;

    private async Task<FanOutResult> RunAsync(
        Membership members, OperationKind kind, string groupId, CancellationToken stopping, LastOperationIs? onlyAfter,
        string? caller, RequestKey? key, DateTimeOffset? deadline)
    {
        // The coordinator can fail at any step; what the caller is told depends on how far the operation got.
        string? begun = null;
        var nodesTouched = false;
        try
        {
            var operation = new Operation(entropy.NewOperationId(time.GetUtcNow()), kind, groupId);
            using var activity = FanOutTelemetry.StartOperation(operation);
            var op = new OperationState(operation, members.Writes.Select(n => new NodeProgress(n)), caller, activity?.Id, key)
            {
                Epoch = members.Epoch,
            };
            var started = time.GetTimestamp();

            // 1. lock and 2. journal: the group's lease, which operation ran on it last, and this one begun, in one
            // step when that one is closed (a repair checks its precondition first). It may have been begun even if
            // the answer was lost (begun).
            begun = op.Id;
            var start = await coordination.StartAsync(op, begin: onlyAfter is null, options.Value.Resilience.LockTimeout, stopping, deadline);
            if (start is null)
            {
                return FanOutResult.Busy($"Another operation on '{groupId}' did not finish in time; nothing was done.");
            }

            if (start.Refusal is { } refusal)
            {
                begun = null;
                return FanOutResult.Refused(refusal);
            }

            await using var run = start.Run!;
            if (!start.Begun)
            {
                // A new operation must never run on top of a half-undone one. Only the group's last operation can be open.
                begun = null;
                if (start.LastOpen && await coordination.Store.GetAsync(start.LastId!, stopping) is { IsOpen: true } last)
                {
                    (begun, nodesTouched) = (last.Id, true);
                    if (!await ResumeAsync(run.Resume(last), stopping))
                    {
                        return FanOutResult.Busy(
                            $"The rollback of an earlier operation on '{groupId}' ({last.Id}) is still pending; nothing was done.");
                    }

                    (begun, nodesTouched) = (null, false);
                }

                if (onlyAfter is not null && await KnownLastAsync(start, stopping) != onlyAfter.OperationId)
                {
                    return FanOutResult.Busy($"Another operation on '{groupId}' ran meanwhile; nothing was done.");
                }

                // Finishing the last one may have taken past the caller's deadline: this one is then not begun.
                if (deadline is { } until && time.GetUtcNow() >= until)
                {
                    return FanOutResult.Refused(await coordination.PastDeadlineAsync(op, stopping));
                }

                begun = op.Id;
                try
                {
                    if (await run.BeginAsync(stopping) is { } keyed)
                    {
                        begun = null;
                        return FanOutResult.Refused(new StartRefusal.KeyUsed(keyed));
                    }
                }
                catch (CoordinatorFencedException)
                {
                    return FanOutResult.Busy($"The lease on '{groupId}' was lost before the operation began; nothing was done.");
                }
            }

            try
            {
                // 3. apply (4. resolve, inside each node's step)
                nodesTouched = true;
                await ForEachNodeAsync(run, _ => true, ApplyAsync, stopping);

                // 5. decide, 6. undo
                await DecideAsync(run, mayCommit: true, stopping);

                // 7. close, freeing the lease in the same step
                op.Answered(time.GetUtcNow(), time.GetElapsedTime(started));
                await run.CloseAsync(stopping);
                return FanOutResult.Done(op);
            }
            catch (Exception e) when (e is OperationTakenOverException or CoordinatorFencedException)
            {
                // A node refused the token though no later owner holds the lease: not a takeover. The operation is
                // taken over again above the node's token, and answered as that run ends it.
                if (e is OperationTakenOverException { SeenToken: { } seen } && await RetakeAboveAsync(run, seen, stopping) is { } again)
                {
                    await using (again)
                    {
                        await ResumeAsync(again, stopping);
                        return again.Operation.Outcome is Outcome.Running ? await TakenOverAsync(again.Operation, stopping) : FanOutResult.Done(again.Operation);
                    }
                }

                return await TakenOverAsync(op, stopping);
            }
        }
        catch (CoordinatorStoreException e)
        {
            // Before any node call nothing was done (a begun entry is rolled back by recovery); after, the journal
            // holds the operation and recovery finishes it: the caller follows it there.
            throw new CoordinatorUnavailableException(begun, nodesTouched, e);
        }
    }

    /// <summary>
    /// Drives an open operation to its end, under the lease of <paramref name="run"/> (its token took the operation
    /// over): first where it stands on every node is learned anew (Takeover); then one whose Api died mid-way is
    /// committed if every node applied it and its rollback had not begun, else rolled back; one pending repair is undone
    /// further. True when it is closed; false when it stays open (pending repair, or lost to a later owner).
    /// </summary>
    public async Task<bool> ResumeAsync(OperationRun run, CancellationToken stopping)
    {
        var op = run.Operation;
        try
        {
            using var activity = FanOutTelemetry.StartRecovery(op);
            var started = time.GetTimestamp();
            op.BeginRecovery(time.GetUtcNow());
            telemetry.RecordRecovery(op.Outcome);

            // 4. resolve, anew on every node, under this run's token
            await ForEachNodeAsync(run, n => takeover.Asks(op, n), takeover.LearnAsync, stopping);
            if (op.Outcome is Outcome.Running)
            {
                // 5. decide, 6. undo
                await DecideAsync(run, takeover.MayCommit(op), stopping);
            }
            else
            {
                // 6. undo what is still pending
                await CompensateAsync(run, stopping);
            }

            // 7. close (or record what is still pending)
            op.Resolved(time.GetUtcNow(), time.GetElapsedTime(started));
            await run.RecordAsync(stopping);
            FanOutLog.Resumed(logger, op);
            return !op.IsOpen;
        }
        catch (Exception e) when (e is OperationTakenOverException or CoordinatorFencedException)
        {
            if (e is OperationTakenOverException { SeenToken: { } seen } && await run.Lease.IsHeldAsync())
            {
                run.RefusedBelow = seen;
            }

            FanOutLog.TakenOver(logger, op);
            return false;
        }
    }

    /// <summary>
    /// A node refused <paramref name="run"/>'s token, saying it has seen <paramref name="seen"/> for the group, while
    /// the run still holds the group's lease: no later owner exists, the coordinator handed out a token below one the
    /// node saw (its tokens lost, or an in-memory coordinator restarted after the clock stepped back). The run's lease
    /// is freed and the operation taken over again with a token above the node's, through the coordinator's own rule
    /// (tokens only grow), so it is not blocked for good. Null: the lease is no longer held (a real takeover), or
    /// the operation was closed or taken meanwhile. The new run is the caller's to dispose.
    /// </summary>
    public async Task<OperationRun?> RetakeAboveAsync(OperationRun run, long seen, CancellationToken stopping)
    {
        if (!run.OwnsLease || !await run.Lease.IsHeldAsync())
        {
            return null;
        }

        FanOutLog.TokenBelowNode(logger, run.Operation, seen);
        await run.DisposeAsync();
        run.Lease.MarkReleased();
        var again = await coordination.TakeOverAsync(run.Operation.Id, options.Value.Resilience.LockTimeout, stopping, floor: seen);
        return again.Run;
    }

    // 3. apply, on one node, in its dialect. A node whose dialect is not known (its probe got no answer) is not written.
    private async Task ApplyAsync(NodeTurn turn)
    {
        var dialect = await dialects.ForAsync(turn);
        turn.Progress.Learn(dialect is null ? NodeEffect.NotApplied : await dialect.ApplyAsync(turn));
    }

    // 5. decide: commit (when that is allowed: not after a rollback began), or undo (6).
    private async Task DecideAsync(OperationRun run, bool mayCommit, CancellationToken stopping)
    {
        var op = run.Operation;
        if (!mayCommit || !op.Decide())
        {
            FanOutLog.RollingBack(logger, op);
            await CompensateAsync(run, stopping);
        }

        telemetry.RecordOutcome(op);
        FanOutLog.Outcome(logger, op);
    }

    // 6. undo: what the operation changed on every node whose rollback is not finished; then settled as RolledBack,
    // or PendingRepair while any node's undo is still pending. The rollback, and what each node did, are on record
    // before the first undo write: whoever takes the operation over then never commits it.
    private async Task CompensateAsync(OperationRun run, CancellationToken stopping)
    {
        using var activity = FanOutTelemetry.StartRollback(run.Operation);
        if (!run.Operation.RollingBack)
        {
            run.Operation.BeginRollback();
        }

        await run.SaveAsync(stopping);
        await ForEachNodeAsync(run,
            n => n.Effect is NodeEffect.Applied or NodeEffect.Unknown && n.Compensation != CompensationState.Undone,
            UndoAsync,
            stopping,
            unreachable: progress => progress.Compensate(CompensationState.Pending));
        run.Operation.Settle();
    }

    private async Task UndoAsync(NodeTurn turn)
    {
        if (await dialects.ForAsync(turn) is { } dialect)
        {
            await dialect.UndoAsync(turn);
        }
        else
        {
            turn.Progress.Compensate(CompensationState.Pending);
        }
    }

    // The group's last operation as the journal knows it: one whose entry has expired (ClosedRetention) is none,
    // as the reconciler read it (a repair of a group whose history the journal forgot names no operation).
    private async Task<string?> KnownLastAsync(OperationStart start, CancellationToken ct) =>
        start.LastId is { } id && await coordination.Store.GetAsync(id, ct) is not null ? id : null;

    // This run lost the operation to another owner (a node or the journal refused its token, or its lease lapsed):
    // it writes nothing more and answers what the journal holds now, which the owner that took over keeps true.
    private async Task<FanOutResult> TakenOverAsync(OperationState op, CancellationToken stopping)
    {
        FanOutLog.TakenOver(logger, op);
        return FanOutResult.TakenOver(await coordination.Store.GetAsync(op.Id, stopping) ?? op);
    }

    // Runs a step on each of the operation's nodes that matches, in parallel, pairing them with the configured nodes
    // by name. A journaled node that is no longer configured cannot be reached: it keeps what the journal knows of it
    // and is marked with why (a rollback it needs then stays pending). Nodes added since the operation began are not
    // part of it (reconcile fills them).
    private Task ForEachNodeAsync(
        OperationRun run, Func<NodeProgress, bool> which, Func<NodeTurn, Task> step, CancellationToken ct,
        Action<NodeProgress>? unreachable = null)
    {
        var turns = new List<NodeTurn>();
        foreach (var progress in run.Operation.NodesWhere(which))
        {
            var node = cluster.Find(progress.Name);
            progress.MarkUnreachable(node is null ? $"{progress.Name} is neither in Cluster:Nodes nor added with an address" : null);
            if (node is null)
            {
                unreachable?.Invoke(progress);
            }
            else
            {
                turns.Add(new NodeTurn(run, node, progress, ct));
            }
        }

        // A cluster no larger than MaxParallelism (the usual) has every node's step started at once; a larger one
        // goes MaxParallelism nodes at a time.
        return Concurrently.ForEachAsync(turns, options.Value.MaxParallelism, step);
    }
}

// What RunAsync gives back: the finished operation, or why none was started (Refusal). TakenOver: this run lost the
// operation to a later owner; Operation is what the journal holds (possibly still open).
public sealed record FanOutResult(OperationState? Operation, string? Refusal, bool LostToLaterOwner = false)
{
    // Not started, nothing done: the deadline passed, or the key names an earlier request.
    public StartRefusal? NotStarted { get; init; }

    public static FanOutResult Refused(StartRefusal refusal) => new(null, null) { NotStarted = refusal };

    public static FanOutResult Done(OperationState op) => new(op, null);
    public static FanOutResult Busy(string refusal) => new(null, refusal);
    public static FanOutResult TakenOver(OperationState op) => new(op, null, LostToLaterOwner: true);
}

// A precondition of RunAsync: the group's last journaled operation (null: none).
public sealed record LastOperationIs(string? OperationId);
