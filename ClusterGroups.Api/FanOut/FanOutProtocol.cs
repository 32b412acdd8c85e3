using ClusterGroups.Api.Errors;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Contracts;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.FanOut;

// The protocol that keeps a group identical on every node, in step order:
//
//   1. lock      one operation per groupId at a time (across Api replicas too: see IGroupLocks); an earlier operation
//                on the group still open is finished first;
//   2. journal   the operation is recorded, with the nodes it runs on (by name), before any node is touched (1 and 2
//                are one coordinator round trip when the group's last operation is closed: ILeasedJournal);
//   3. apply     every node in parallel. An answer that does not say what happened (timeout, 5xx, reset) is never
//                counted as success or failure: the node is read (step 4). Only a node known not to have applied the
//                write gets it again, with the same Idempotency-Key (our nodes replay, never repeat);
//   4. resolve   what a write with an unknown answer did is learned by reading the node: our nodes name the write that
//                made the state (X-Created-By / X-Deleted-By); other nodes were read before the write;
//   5. decide    all nodes applied or already so -> committed (or "already so" if no node changed);
//   6. undo      otherwise every node this operation changed, or may have changed, is put back as it was; what cannot
//                be undone now stays open in the journal as "pending repair" and recovery finishes it;
//   7. close     the outcome is journaled with the group's desired state, the lease freed (one round trip), answered.
//
// Fencing: the group's lease comes with a token that grows from lease to lease. Every node write carries it (nodes
// refuse a lower one than they have seen for the group) and every journal write is checked against it, so an owner
// that lost its lease (paused past it, cut off) stops at its next write: it never answers success, it answers what
// the journal then holds (TakenOverAsync). Before a write whose answer never came is counted as "not applied", the
// node is told to abort that write's key (our nodes): a copy still on its way can then never apply. A node that
// cannot be told stays unknown, never "not applied".
//
// "Exists" on create and "not found" on delete are answers, not failures: that node was already in the desired state.
// Words (OperationNarrative), spans and metrics (FanOutTelemetry) and log lines (FanOutLog) live beside this file.
public sealed class FanOutProtocol(
    ClusterDirectory cluster,
    NodeClient nodes,
    ILeasedJournal leasedJournal,
    IOperationJournal journal,
    Coordinator.IDesiredState desiredState,
    NodeRetry retry,
    FanOutTelemetry telemetry,
    IOptions<ClusterOptions> options,
    TimeProvider time,
    ILogger<FanOutProtocol> logger)
{
    private readonly ParallelOptions _parallel = new() { MaxDegreeOfParallelism = options.Value.MaxParallelism };

    /// <summary>
    /// Runs one operation to its end, or says why it could not start. With <paramref name="onlyAfter"/>, it starts
    /// only if the group's last journaled operation is still that one (the reconciler's repairs use this).
    /// </summary>
    public async Task<FanOutResult> RunAsync(
        OperationKind kind, string groupId, CancellationToken stopping, LastOperationIs? onlyAfter = null, string? caller = null)
    {
        // The coordinator store can fail at any step; what the caller is told depends on how far the operation got.
        string? begun = null;
        var nodesTouched = false;
        try
        {
            // 1. lock and 2. journal: the group's lease, which operation ran on it last, and this one begun, in one
            // step when that one is closed (a repair checks its precondition first). The script may have begun it even
            // if its answer is lost (begun).
            var op = new OperationState(Operation.New(kind, groupId), time.GetUtcNow(), owner: null,
                cluster.Nodes.Select(n => new NodeProgress(n.Name))) { Caller = caller };
            using var activity = FanOutTelemetry.StartOperation(op.Operation);
            op.TraceParent = activity?.Id;
            var started = time.GetTimestamp();
            begun = op.Id;
            var start = await leasedJournal.StartAsync(op, begin: onlyAfter is null, options.Value.Resilience.LockTimeout, stopping);
            if (start is null)
            {
                return FanOutResult.Busy($"Another operation on '{groupId}' did not finish in time; nothing was done.");
            }

            await using var lease = start.Lease;
            if (!start.Begun)
            {
                // A new operation must never run on top of a half-undone one. Only the group's last operation can be open.
                begun = null;
                if (start.LastOpen && await journal.GetAsync(start.LastId!, stopping) is { IsOpen: true } last)
                {
                    (begun, nodesTouched) = (last.Id, true);
                    if (!await ResumeAsync(last, lease, stopping))
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

                begun = op.Id;
                try
                {
                    await journal.BeginAsync(op, stopping);
                }
                catch (JournalFencedException)
                {
                    return FanOutResult.Busy($"The lease on '{groupId}' was lost before the operation began; nothing was done.");
                }
            }

            try
            {
                // 3. apply (4. resolve, inside each node's step)
                nodesTouched = true;
                await ForEachNodeAsync(op, _ => true, (node, progress) => ApplyAsync(op, node, progress, stopping));
                if (!op.AllApplied)
                {
                    // What each node did is on record before anything is undone. (Not needed when all applied: a crash
                    // before the close is recovered by reading the nodes, and it commits.)
                    await SaveAsync(op, stopping);
                }

                // 5. decide, 6. undo
                await DecideAsync(op, stopping);

                // 7. close, freeing the lease in the same step
                op.EndedAt = time.GetUtcNow();
                op.DurationMs = time.GetElapsedTime(started).TotalMilliseconds;
                await SaveAsync(op, stopping, close: true);
                return FanOutResult.Done(op);
            }
            catch (Exception e) when (e is OperationTakenOverException or JournalFencedException)
            {
                return await TakenOverAsync(op, stopping);
            }
        }
        catch (Exception e) when (CoordinatorUnavailableException.IsStoreFailure(e))
        {
            // Before any node call nothing was done (a begun entry is rolled back by recovery); after, the journal
            // holds the operation and recovery finishes it: the caller follows it there.
            throw new CoordinatorUnavailableException(begun, nodesTouched, e);
        }
    }

    // The group's last operation as the journal knows it: one whose entry has expired (ClosedRetention) is none,
    // as the reconciler read it (a repair of a group whose history the journal forgot names no operation).
    private async Task<string?> KnownLastAsync(OperationStart start, CancellationToken ct) =>
        start.LastId is { } id && await journal.GetAsync(id, ct) is not null ? id : null;

    // This run lost the operation to another owner (a node or the journal refused its token, or its lease lapsed):
    // it writes nothing more and answers what the journal holds now, which the owner that took over keeps true.
    private async Task<FanOutResult> TakenOverAsync(OperationState op, CancellationToken stopping)
    {
        FanOutLog.TakenOver(logger, op);
        return FanOutResult.TakenOver(await journal.GetAsync(op.Id, stopping) ?? op);
    }

    /// <summary>
    /// Drives an open operation to its end: one whose Api died mid-way (each node's effect is learned by reading,
    /// then it is committed if every node already applied it, else rolled back), or one pending repair.
    /// The caller holds the group's <paramref name="lease"/>: the operation is taken over with its token. Returns true
    /// when the operation is closed; false when it stays open (pending repair, or lost to a later owner).
    /// </summary>
    public async Task<bool> ResumeAsync(OperationState op, IGroupLease lease, CancellationToken stopping)
    {
        (op.Owner, op.Fence, op.Lease) = (lease.Owner, lease.Token, lease);
        try
        {
            return await DriveAsync(op, stopping);
        }
        catch (Exception e) when (e is OperationTakenOverException or JournalFencedException)
        {
            FanOutLog.TakenOver(logger, op);
            return false;
        }
    }

    private async Task<bool> DriveAsync(OperationState op, CancellationToken stopping)
    {
        using var activity = FanOutTelemetry.StartRecovery(op);
        var started = time.GetTimestamp();
        op.Recoveries++;
        op.LastRecoveryAt = time.GetUtcNow();
        telemetry.RecordRecovery(op.Outcome);

        if (op.Outcome is Outcome.Running)
        {
            // 4. resolve what the Api that died left unknown, then 5. decide, 6. undo
            await ForEachNodeAsync(op, n => n.Effect is NodeEffect.Unknown, (node, progress) => LearnEffectAsync(op, node, progress, stopping));
            await DecideAsync(op, stopping);
        }
        else
        {
            // 6. undo what is still pending
            await CompensateAsync(op, stopping);
        }

        // 7. close
        if (!op.IsOpen)
        {
            op.EndedAt = time.GetUtcNow();
            op.DurationMs += time.GetElapsedTime(started).TotalMilliseconds;
        }

        await SaveAsync(op, stopping);
        FanOutLog.Resumed(logger, op);
        return !op.IsOpen;
    }

    // 3. apply, on one node.
    private async Task ApplyAsync(OperationState op, ClusterNode node, NodeProgress progress, CancellationToken ct)
    {
        using var activity = FanOutTelemetry.StartNodeStep(Phase.Apply, node.Name);

        // A node that ignores Idempotency-Key is read first, and that read is journaled before the write: an unknown
        // answer can then be attributed by reading (step 4), also by a recovery after a crash.
        if (!node.HonoursIdempotency)
        {
            var before = await CallAsync(op, progress, node, Phase.ReadBefore, 1, () => nodes.ReadAsync(node, op.GroupId, ct));
            if (before.Present == op.Operation.DesiredPresence)
            {
                progress.Effect = NodeEffect.AlreadySo;
                return;
            }

            if (before.Present is null)
            {
                progress.Effect = NodeEffect.NotApplied;
                return;
            }

            await SaveAsync(op, ct);
        }

        progress.Effect = await WriteUntilKnownAsync(op, op.Kind, op.Operation.ApplyKey, node, progress, Phase.Apply, ct);
        activity?.SetTag("clustergroups.effect", progress.Effect.ToString());
    }

    // 4. resolve, for a node an Api that died left unknown. A node that ignores Idempotency-Key is written only after
    // its read-before is journaled: without one in the journal, nothing was sent to it.
    private async Task LearnEffectAsync(OperationState op, ClusterNode node, NodeProgress progress, CancellationToken ct)
    {
        // A restarted Api first learns whether the node names its writes; unreachable, it stays Unknown for now.
        if (!node.HonoursIdempotency && (await nodes.InfoAsync(node, ct)).Info is null)
        {
            return;
        }

        progress.Effect = !node.HonoursIdempotency && !progress.Called(Phase.ReadBefore)
            ? NodeEffect.NotApplied
            : await ResolveAsync(op, node, progress, ct);
    }

    // 5. decide: commit, or undo (6).
    private async Task DecideAsync(OperationState op, CancellationToken stopping)
    {
        if (op.AllApplied)
        {
            op.Outcome = op.Nodes.All(n => n.Effect is NodeEffect.AlreadySo) ? Outcome.AlreadySo : Outcome.Committed;
        }
        else
        {
            FanOutLog.RollingBack(logger, op);
            await CompensateAsync(op, stopping);
        }

        telemetry.RecordOutcome(op);
        FanOutLog.Outcome(logger, op);
    }

    /// <summary>
    /// 6. undo: what the operation changed on every node whose rollback is not finished; used by step 5 and by recovery
    /// (an operation left pending, or left running by an Api that died). Returns true when nothing is left to undo.
    /// </summary>
    public async Task<bool> CompensateAsync(OperationState op, CancellationToken stopping)
    {
        using var activity = FanOutTelemetry.StartRollback(op);
        await ForEachNodeAsync(op,
            n => n.Effect is NodeEffect.Applied or NodeEffect.Unknown && n.Compensation != CompensationState.Undone,
            (node, progress) => UndoAsync(op, node, progress, stopping),
            unreachable: progress => progress.Compensation = CompensationState.Pending);

        var done = op.Nodes.All(n => n.Compensation != CompensationState.Pending);
        op.Outcome = done ? Outcome.RolledBack : Outcome.PendingRepair;
        return done;
    }

    // 6. undo, on one node: learn what the operation did there if that is still unknown (4), then put it back.
    private async Task UndoAsync(OperationState op, ClusterNode node, NodeProgress progress, CancellationToken ct)
    {
        using var activity = FanOutTelemetry.StartNodeStep(Phase.Compensate, node.Name);
        if (progress.Effect is NodeEffect.Unknown)
        {
            progress.Effect = await ResolveAsync(op, node, progress, ct);
        }

        if (progress.Effect is not NodeEffect.Applied)
        {
            progress.Compensation = progress.Effect is NodeEffect.Unknown ? CompensationState.Pending : CompensationState.NotNeeded;
        }
        else
        {
            // Already so counts as undone: the node is back in the state it had before the operation.
            var undo = await WriteUntilKnownAsync(op, op.Operation.Inverse, op.Operation.UndoKey, node, progress, Phase.Compensate, ct);
            progress.Compensation = undo is NodeEffect.Applied or NodeEffect.AlreadySo ? CompensationState.Undone : CompensationState.Pending;
        }

        telemetry.RecordCompensation(activity, node.Name, progress.Compensation);
        FanOutLog.Compensation(logger, op, progress);
    }

    // Sends one write until its effect on the node is known, or the tries run out. After an answer that does not say
    // what happened, the node is read (4) before anything is sent again; only a node known not to have applied the
    // write gets it again (with the same Idempotency-Key, so even a late first copy cannot apply twice).
    private async Task<NodeEffect> WriteUntilKnownAsync(
        OperationState op, OperationKind kind, string key, ClusterNode node, NodeProgress progress, Phase phase, CancellationToken ct)
    {
        var effect = NodeEffect.NotApplied;
        var unknown = false;
        var inDoubt = false;
        var attempt = 0;
        var verify = phase == Phase.Apply ? Phase.ApplyVerify : Phase.CompensateVerify;

        await retry.ExecuteAsync(node.Name, phase, async token =>
        {
            attempt++;
            if (unknown)
            {
                var (known, read) = await ReadEffectAsync(op, kind, key, node, progress, verify, attempt, token);
                if (known is NodeEffect.Unknown)
                {
                    return NodeStep.Again(read.RetryAfter);
                }

                if (known is not NodeEffect.NotApplied)
                {
                    effect = known;
                    return NodeStep.Done;
                }

                unknown = false;
            }

            var call = await WriteAsync(op, progress, node, phase, attempt, () => kind == OperationKind.Create
                ? nodes.CreateAsync(node, op.GroupId, key, op.Fence, token)
                : nodes.DeleteAsync(node, op.GroupId, key, op.Fence, token));

            switch (await InterpretAsync(op, kind, node, progress, verify, attempt, call, token))
            {
                case Answer.Done:
                    effect = NodeEffect.Applied;
                    return NodeStep.Done;
                case Answer.AlreadySo:
                    effect = NodeEffect.AlreadySo;
                    return NodeStep.Done;
                case Answer.Refused:
                    effect = NodeEffect.NotApplied;
                    return NodeStep.Done;
                case Answer.NotSent:
                    return NodeStep.Again(call.RetryAfter);
                default:
                    // The answer was lost: the next try asks the node what the write did, at once.
                    unknown = inDoubt = true;
                    return NodeStep.AskAtOnce(call.RetryAfter);
            }
        }, ct);

        if (effect is NodeEffect.NotApplied && unknown)
        {
            return NodeEffect.Unknown;
        }

        // "Not applied" after an answer that never came: a copy of the write may still be on its way. It counts only
        // once the node has closed the door on the key (4).
        return effect is NodeEffect.NotApplied && inDoubt && node.HonoursIdempotency && kind == op.Kind
            ? await ResolveAsync(op, node, progress, ct)
            : effect;
    }

    // 4. resolve: what the operation's write did on this node, until the node answers. Our nodes are told to abort
    // the write's key, atomically answering what it had done: afterwards a late copy of it never applies. Nodes that
    // ignore keys are read (they were read before the write, step 3): best effort, a late copy can still land there.
    private async Task<NodeEffect> ResolveAsync(OperationState op, ClusterNode node, NodeProgress progress, CancellationToken ct)
    {
        var effect = NodeEffect.Unknown;
        var attempt = 0;
        await retry.ExecuteAsync(node.Name, Phase.Resolve, async token =>
        {
            attempt++;
            NodeCall call;
            if (node.HonoursIdempotency)
            {
                call = await WriteAsync(op, progress, node, Phase.Resolve, attempt,
                    () => nodes.AbortAsync(node, op.GroupId, op.Operation.ApplyKey, op.Fence, token));
                effect = call.AbortOutcome switch
                {
                    AbortAnswer.Applied => NodeEffect.Applied,
                    AbortAnswer.AlreadySo => NodeEffect.AlreadySo,
                    AbortAnswer.Aborted => NodeEffect.NotApplied,
                    _ => NodeEffect.Unknown,
                };
            }
            else
            {
                (effect, call) = await ReadEffectAsync(op, op.Kind, op.Operation.ApplyKey, node, progress, Phase.Resolve, attempt, token);
            }

            return effect is NodeEffect.Unknown ? NodeStep.Again(call.RetryAfter) : NodeStep.Done;
        }, ct);
        return effect;
    }

    // What the write with this key did, from one read. In the desired state, our nodes name the write that made it so:
    // this write -> Applied, another -> AlreadySo. Nodes that do not tell were read before the write (step 3), so the
    // desired state now means this write applied.
    private async Task<(NodeEffect Effect, NodeCall Read)> ReadEffectAsync(
        OperationState op, OperationKind kind, string key, ClusterNode node, NodeProgress progress, Phase phase, int attempt,
        CancellationToken ct)
    {
        var read = await CallAsync(op, progress, node, phase, attempt, () => nodes.ReadAsync(node, op.GroupId, ct));
        var effect = read.Present switch
        {
            null => NodeEffect.Unknown,
            var present when present != (kind == OperationKind.Create) => NodeEffect.NotApplied,
            _ => !node.HonoursIdempotency || read.WrittenBy == key ? NodeEffect.Applied : NodeEffect.AlreadySo,
        };
        return (effect, read);
    }

    private enum Answer { Done, AlreadySo, NotSent, Unknown, Refused }

    // What a write's answer says about its effect.
    private async Task<Answer> InterpretAsync(
        OperationState op, OperationKind kind, ClusterNode node, NodeProgress progress, Phase verify, int attempt,
        NodeCall call, CancellationToken ct)
    {
        switch (call.Status)
        {
            case null:
                return call.NotSent ? Answer.NotSent : Answer.Unknown;
            case 201 or 200 when kind == OperationKind.Create:
            case 200 or 204 when kind == OperationKind.Delete:
                return Answer.Done;
            case 404 when kind == OperationKind.Delete:
                return Answer.AlreadySo;
            case 400 when kind == OperationKind.Create:
                // Our nodes say exactly why; from any other node a 400 counts as "exists" only if a read shows the group.
                if (call.Detail == NodeMessages.Exists)
                {
                    return Answer.AlreadySo;
                }

                var read = await CallAsync(op, progress, node, verify, attempt, () => nodes.ReadAsync(node, op.GroupId, ct));
                return read.Present switch { true => Answer.AlreadySo, false => Answer.Refused, _ => Answer.Unknown };
            case 429:
                return Answer.NotSent;
            case 408 or >= 500:
                return Answer.Unknown;
            default:
                return Answer.Refused;
        }
    }

    // A write (create, delete, abort) is sent only while the lease holds, and a node's "fenced" stops the operation:
    // a later owner has it.
    private async Task<NodeCall> WriteAsync(
        OperationState op, NodeProgress progress, ClusterNode node, Phase phase, int attempt, Func<Task<NodeCall>> send)
    {
        if (op.Lease is { } lease && !await lease.IsHeldAsync())
        {
            throw new OperationTakenOverException(op.Id, "its lease was lost");
        }

        var call = await CallAsync(op, progress, node, phase, attempt, send);
        return call.Fenced ? throw new OperationTakenOverException(op.Id, $"{node.Name} holds a later fencing token") : call;
    }

    private async Task<NodeCall> CallAsync(
        OperationState op, NodeProgress progress, ClusterNode node, Phase phase, int attempt, Func<Task<NodeCall>> send)
    {
        using var activity = FanOutTelemetry.StartCall(phase, attempt, node.Name);
        var call = await send();
        progress.Record(new CallRecord(phase, attempt, call, time.GetUtcNow()));
        telemetry.RecordCall(activity, node.Name, phase, call);
        return call;
    }

    // Runs a step on each of the operation's nodes that matches, in parallel, pairing them with the configured nodes
    // by name. A journaled node that is no longer configured cannot be reached: it keeps what the journal knows of it
    // and is marked with why (a rollback it needs then stays pending). Nodes added since the operation began are not
    // part of it (reconcile fills them).
    private Task ForEachNodeAsync(
        OperationState op, Func<NodeProgress, bool> which, Func<ClusterNode, NodeProgress, Task> step,
        Action<NodeProgress>? unreachable = null)
    {
        var steps = new List<(ClusterNode Node, NodeProgress Progress)>();
        foreach (var progress in op.NodesWhere(which))
        {
            var node = cluster.Find(progress.Name);
            progress.Unreachable = node is null ? $"{progress.Name} is not in Cluster:Nodes" : null;
            if (node is null)
            {
                unreachable?.Invoke(progress);
            }
            else
            {
                steps.Add((node, progress));
            }
        }

        // A cluster no larger than MaxParallelism (the usual) has every node's step started at once, without a
        // scheduler between them; a larger one goes MaxParallelism nodes at a time.
        return steps.Count <= _parallel.MaxDegreeOfParallelism
            ? Task.WhenAll(steps.Select(pair => step(pair.Node, pair.Progress)))
            : Parallel.ForEachAsync(steps, _parallel, async (pair, _) => await step(pair.Node, pair.Progress));
    }

    private async Task SaveAsync(OperationState op, CancellationToken ct, bool close = false)
    {
        await op.SaveGate.WaitAsync(ct);
        try
        {
            if (close)
            {
                await leasedJournal.CloseAsync(op, ct);
            }
            else
            {
                await journal.SaveAsync(op, ct);
                // The close step also records the group's desired state, which outlives the journal's retention.
                if (!op.IsOpen)
                {
                    await desiredState.RecordAsync(op, ct);
                }
            }
        }
        finally
        {
            op.SaveGate.Release();
        }
    }
}

// What RunAsync gives back: the finished operation, or why none was started (Refusal). TakenOver: this run lost the
// operation to a later owner; Operation is what the journal holds (possibly still open).
public sealed record FanOutResult(OperationState? Operation, string? Refusal, bool LostToLaterOwner = false)
{
    public static FanOutResult Done(OperationState op) => new(op, null);
    public static FanOutResult Busy(string refusal) => new(null, refusal);
    public static FanOutResult TakenOver(OperationState op) => new(op, null, LostToLaterOwner: true);
}

// Thrown inside a run that must stop writing: a later owner has the operation.
public sealed class OperationTakenOverException(string operationId, string why)
    : Exception($"Operation {operationId} was taken over: {why}.");

// A precondition of RunAsync: the group's last journaled operation (null: none).
public sealed record LastOperationIs(string? OperationId);
