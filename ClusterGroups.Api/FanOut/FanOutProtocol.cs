using System.Diagnostics;
using ClusterGroups.Api.Cluster;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Contracts;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.FanOut;

// The protocol that keeps a group identical on every node, top to bottom:
//
//   1. lock      one operation per groupId at a time (across Api replicas too: see IGroupLocks);
//   2. journal   the operation is recorded before any node is touched, so a crash is finished by recovery;
//   3. apply     every node in parallel. An answer that does not say what happened (timeout, 5xx, reset) is never
//                counted as success or failure: the node is read. Our nodes name the write that made the state
//                (X-Created-By / X-Deleted-By); other nodes were read before the write. Only a node known not to
//                have applied it gets the write again, with the same Idempotency-Key (our nodes replay, never repeat);
//   4. decide    all nodes applied or already so -> committed (or "already so" if no node changed);
//   5. undo      otherwise every node this operation changed, or may have changed, is put back as it was;
//                what cannot be undone now stays open in the journal as "pending repair" and recovery finishes it.
//
// "Exists" on create and "not found" on delete are answers, not failures: that node was already in the desired state.
public sealed partial class FanOutProtocol(
    ClusterDirectory cluster,
    NodeClient nodes,
    IOperationJournal journal,
    Coordinator.IDesiredState desiredState,
    IGroupLocks locks,
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
        OperationKind kind, string groupId, CancellationToken stopping, LastOperationIs? onlyAfter = null)
    {
        // 1. lock
        await using var lease = await locks.AcquireAsync(groupId, options.Value.Resilience.LockTimeout, stopping);
        if (lease is null)
        {
            return FanOutResult.Busy($"Another operation on '{groupId}' did not finish in time; nothing was done.");
        }

        // An earlier operation on this group that is still open (its Api died, or its rollback is pending) is
        // finished first: a new operation must never run on top of a half-undone one. Only the group's last
        // operation can be open (see IOperationJournal).
        var last = await journal.LastForGroupAsync(groupId, stopping);
        if (last is { IsOpen: true } && !await ResumeAsync(last, stopping))
        {
            return FanOutResult.Busy(
                $"The rollback of an earlier operation on '{groupId}' ({last.OperationId}) is still pending; nothing was done.");
        }

        if (onlyAfter is not null && last?.OperationId != onlyAfter.OperationId)
        {
            return FanOutResult.Busy($"Another operation on '{groupId}' ran meanwhile; nothing was done.");
        }

        var op = Operation.New(kind, groupId);
        using var activity = FanOutTelemetry.StartOperation(op);
        var started = time.GetTimestamp();
        var report = new OperationReport
        {
            OperationId = op.Id,
            Kind = kind,
            GroupId = groupId,
            StartedAt = time.GetUtcNow(),
            Owner = lease.Owner,
            TraceParent = activity?.Id,
            Nodes = [.. cluster.Nodes.Select(n => new NodeReport { Node = n.Name })],
        };

        // 2. journal
        await journal.BeginAsync(report, stopping);

        // 3. apply
        await ForEachNodeAsync(report, node => true, (node, nodeReport) => ApplyAsync(report, node, nodeReport, stopping));
        if (!AllApplied(report))
        {
            // What each node did is on record before anything is undone. (Not needed when all applied: a crash
            // before the close below is recovered by reading the nodes, and it commits.)
            await SaveAsync(report, stopping);
        }

        // 4. decide, 5. undo
        await DecideAsync(report, stopping);
        Close(report, started);
        await SaveAsync(report, stopping);
        return FanOutResult.Done(report);
    }

    /// <summary>
    /// Drives an open operation to its end: one whose Api died mid-way (each node's effect is learned by reading,
    /// then it is committed if every node already applied it, else rolled back), or one pending repair.
    /// The caller holds the group's lease. Returns true when the operation is closed.
    /// </summary>
    public async Task<bool> ResumeAsync(OperationReport report, CancellationToken stopping)
    {
        var links = ActivityContext.TryParse(report.TraceParent, null, out var original) ? [new ActivityLink(original)] : Array.Empty<ActivityLink>();
        using var activity = FanOutTelemetry.Source.StartActivity(ActivityKind.Internal, links: links, name: $"recover {report.GroupId}");
        activity?.SetTag("clustergroups.operation.id", report.OperationId);
        var started = time.GetTimestamp();
        report.Recoveries++;
        report.LastRecoveryAt = time.GetUtcNow();
        telemetry.RecordRecovery(report.Outcome);

        if (report.Outcome is Outcome.Running)
        {
            await ForEachNodeAsync(report, n => n.Effect is NodeEffect.Unknown,
                (node, nodeReport) => LearnEffectAsync(report, node, nodeReport, stopping));
            await DecideAsync(report, stopping);
        }
        else
        {
            await CompensateAsync(report, stopping);
        }

        if (!report.IsOpen)
        {
            report.EndedAt = time.GetUtcNow();
            report.DurationMs += time.GetElapsedTime(started).TotalMilliseconds;
        }

        report.Summary = Summarize(report);
        await SaveAsync(report, stopping);
        LogResumed(report.OperationId, report.GroupId, report.Outcome, report.Summary);
        return !report.IsOpen;
    }

    private async Task DecideAsync(OperationReport report, CancellationToken stopping)
    {
        if (AllApplied(report))
        {
            report.Outcome = report.Nodes.All(n => n.Effect is NodeEffect.AlreadySo) ? Outcome.AlreadySo : Outcome.Committed;
        }
        else
        {
            LogRollingBack(report.OperationId, report.Kind, report.GroupId,
                Describe(report, n => n.Effect is NodeEffect.NotApplied or NodeEffect.Unknown));
            await CompensateAsync(report, stopping);
        }

        telemetry.RecordOutcome(report);
        // One line per operation at Information costs ~a quarter of the Api's CPU per operation (measured with the
        // benchmark); a committed operation is in the traces and metrics, so its line is Debug.
        var level = report.Outcome is Outcome.Committed or Outcome.AlreadySo ? LogLevel.Debug : LogLevel.Information;
        if (logger.IsEnabled(level))
        {
            LogOutcome(level, report.OperationId, report.Kind, report.GroupId, report.Outcome, Summarize(report));
        }
    }

    private static bool AllApplied(OperationReport report) =>
        report.Nodes.All(n => n.Effect is NodeEffect.Applied or NodeEffect.AlreadySo);

    // A node left Unknown by an Api that died. A node that ignores Idempotency-Key is written only after its
    // read-before is journaled: without one in the journal, nothing was sent to it.
    private async Task LearnEffectAsync(OperationReport report, ClusterNode node, NodeReport nodeReport, CancellationToken ct)
    {
        // A restarted Api first learns whether the node names its writes; unreachable, it stays Unknown for now.
        if (!node.HonoursIdempotency && (await nodes.InfoAsync(node, ct)).Info is null)
        {
            return;
        }

        var (effect, last) = !node.HonoursIdempotency && nodeReport.Calls.All(c => c.Phase != "read-before")
            ? (NodeEffect.NotApplied, null)
            : await ResolveAsync(report.Kind, report.GroupId, report.OperationId, node, nodeReport, ct);
        SetEffect(nodeReport, effect, report.Kind, last);
    }

    private async Task SaveAsync(OperationReport report, CancellationToken ct)
    {
        await report.SaveGate.WaitAsync(ct);
        try
        {
            await journal.SaveAsync(report, ct);
            // The close step also records the group's desired state, which outlives the journal's retention.
            if (!report.IsOpen)
            {
                await desiredState.RecordAsync(report, ct);
            }
        }
        finally
        {
            report.SaveGate.Release();
        }
    }

    /// <summary>
    /// Undoes what the operation changed on every node whose rollback is not finished; used by step 5 and by recovery
    /// (an operation left pending, or left running by an Api that died). Returns true when nothing is left to undo.
    /// </summary>
    public async Task<bool> CompensateAsync(OperationReport report, CancellationToken stopping)
    {
        var op = report.Operation;
        using var activity = FanOutTelemetry.Source.StartActivity($"rollback {op.GroupId}");
        activity?.SetTag("clustergroups.operation.id", op.Id);

        await ForEachNodeAsync(report,
            n => n.Effect is NodeEffect.Applied or NodeEffect.Unknown && n.Compensation != CompensationState.Undone,
            (node, nodeReport) => UndoAsync(op, node, nodeReport, stopping));

        var done = report.Nodes.All(n => n.Compensation != CompensationState.Pending);
        report.Outcome = done ? Outcome.RolledBack : Outcome.PendingRepair;
        report.Summary = Summarize(report);
        return done;
    }

    // Step 3 on one node.
    private async Task ApplyAsync(OperationReport report, ClusterNode node, NodeReport nodeReport, CancellationToken ct)
    {
        var op = report.Operation;
        using var activity = FanOutTelemetry.StartNodeStep("apply", node.Name);
        var desired = DesiredPresence(op.Kind);

        // A node that ignores Idempotency-Key is read first: an unknown answer can later be attributed by reading.
        if (!node.HonoursIdempotency)
        {
            var before = await CallAsync(nodeReport, node, "read-before", 1, () => nodes.ReadAsync(node, op.GroupId, ct));
            if (before.Present == desired)
            {
                SetEffect(nodeReport, NodeEffect.AlreadySo, op.Kind);
                return;
            }

            if (before.Present is null && !node.HonoursIdempotency)
            {
                SetEffect(nodeReport, NodeEffect.NotApplied, op.Kind, before);
                return;
            }

            // The state before is journaled before the write, so recovery can attribute what it finds there.
            await SaveAsync(report, ct);
        }

        var (effect, last) = await WriteUntilKnownAsync(op.Kind, op.GroupId, op.Id, node, nodeReport, "apply", ct);
        SetEffect(nodeReport, effect, op.Kind, last);
        activity?.SetTag("clustergroups.effect", effect.ToString());
    }

    // Step 5 on one node: learn what the operation did there if that is still unknown, then put it back.
    private async Task UndoAsync(Operation op, ClusterNode node, NodeReport nodeReport, CancellationToken ct)
    {
        using var activity = FanOutTelemetry.StartNodeStep("compensate", node.Name);
        if (nodeReport.Effect is NodeEffect.Unknown)
        {
            var (effect, last) = await ResolveAsync(op.Kind, op.GroupId, op.Id, node, nodeReport, ct);
            SetEffect(nodeReport, effect, op.Kind, last);
        }

        if (nodeReport.Effect is not NodeEffect.Applied)
        {
            nodeReport.Compensation = nodeReport.Effect is NodeEffect.Unknown ? CompensationState.Pending : CompensationState.NotNeeded;
        }
        else
        {
            // Already so counts as undone: the node is back in the state it had before the operation.
            var (undo, last) = await WriteUntilKnownAsync(op.Inverse, op.GroupId, op.UndoKey, node, nodeReport, "compensate", ct);
            nodeReport.Compensation = undo is NodeEffect.Applied or NodeEffect.AlreadySo
                ? CompensationState.Undone
                : CompensationState.Pending;
            nodeReport.Action = nodeReport.Compensation == CompensationState.Undone
                ? $"{nodeReport.Action}, then undone"
                : $"{nodeReport.Action}; undo pending: {last}";
        }

        activity?.SetTag("clustergroups.compensation", nodeReport.Compensation.ToString());
        telemetry.RecordCompensation(node.Name, nodeReport.Compensation);
        LogCompensation(op.Id, node.Name, nodeReport.Compensation, nodeReport.Action);
    }

    // Sends one write until its effect on the node is known, or the tries run out. After an answer that does not say
    // what happened, the node is read before anything is sent again; only a node known not to have applied the write
    // gets it again (with the same Idempotency-Key, so even a late first copy cannot apply twice).
    private async Task<(NodeEffect Effect, NodeCall? Last)> WriteUntilKnownAsync(
        OperationKind kind, string groupId, string idempotencyKey, ClusterNode node, NodeReport nodeReport,
        string phase, CancellationToken ct)
    {
        var effect = NodeEffect.NotApplied;
        var outcomeUnknown = false;
        NodeCall? last = null;
        var attempt = 0;

        await retry.ExecuteAsync(node.Name, phase, async token =>
        {
            attempt++;
            if (outcomeUnknown)
            {
                (var known, last) = await ReadEffectAsync(kind, groupId, idempotencyKey, node, nodeReport, $"{phase}-verify", attempt, token);
                if (known is NodeEffect.Unknown)
                {
                    return NodeStep.Again(last.RetryAfter);
                }

                if (known is not NodeEffect.NotApplied)
                {
                    effect = known;
                    return NodeStep.Done;
                }

                outcomeUnknown = false;
            }

            last = await CallAsync(nodeReport, node, phase, attempt, () => kind == OperationKind.Create
                ? nodes.CreateAsync(node, groupId, idempotencyKey, token)
                : nodes.DeleteAsync(node, groupId, idempotencyKey, token));

            switch (await InterpretAsync(kind, groupId, node, nodeReport, phase, attempt, last, token))
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
                    return NodeStep.Again(last.RetryAfter);
                default:
                    outcomeUnknown = true;
                    return NodeStep.Again(last.RetryAfter);
            }
        }, ct);

        return (effect is NodeEffect.NotApplied && outcomeUnknown ? NodeEffect.Unknown : effect, last);
    }

    // Reads the node until it answers, to learn what a write whose answer was lost did there.
    private async Task<(NodeEffect, NodeCall?)> ResolveAsync(
        OperationKind kind, string groupId, string idempotencyKey, ClusterNode node, NodeReport nodeReport, CancellationToken ct)
    {
        var result = (Effect: NodeEffect.Unknown, Last: (NodeCall?)null);
        var attempt = 0;
        await retry.ExecuteAsync(node.Name, "resolve", async token =>
        {
            result = await ReadEffectAsync(kind, groupId, idempotencyKey, node, nodeReport, "resolve", ++attempt, token);
            return result.Effect is NodeEffect.Unknown ? NodeStep.Again(result.Last?.RetryAfter) : NodeStep.Done;
        }, ct);
        return result;
    }

    // What the write with this key did, from one read. In the desired state, our nodes name the write that made it so
    // (X-Created-By / X-Deleted-By): this write -> Applied, another -> AlreadySo. Nodes that do not tell were read
    // before the write (step 3), so the desired state now means this write applied.
    private async Task<(NodeEffect Effect, NodeCall Last)> ReadEffectAsync(
        OperationKind kind, string groupId, string idempotencyKey, ClusterNode node, NodeReport nodeReport,
        string phase, int attempt, CancellationToken ct)
    {
        var read = await CallAsync(nodeReport, node, phase, attempt, () => nodes.ReadAsync(node, groupId, ct));
        if (read.Present is null)
        {
            return (NodeEffect.Unknown, read);
        }

        if (read.Present != DesiredPresence(kind))
        {
            return (NodeEffect.NotApplied, read);
        }

        return (!node.HonoursIdempotency || read.WrittenBy == idempotencyKey ? NodeEffect.Applied : NodeEffect.AlreadySo, read);
    }

    private enum Answer { Done, AlreadySo, NotSent, Unknown, Refused }

    private async Task<Answer> InterpretAsync(
        OperationKind kind, string groupId, ClusterNode node, NodeReport nodeReport, string phase, int attempt,
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
                // Our nodes say exactly why; from any other node a 400 is checked by reading before it counts as "exists".
                if (call.Detail == NodeMessages.Exists)
                {
                    return Answer.AlreadySo;
                }

                var read = await CallAsync(nodeReport, node, $"{phase}-verify", attempt, () => nodes.ReadAsync(node, groupId, ct));
                return read.Present switch { true => Answer.AlreadySo, false => Answer.Refused, _ => Answer.Unknown };
            case 429:
                return Answer.NotSent;
            case 408 or >= 500:
                return Answer.Unknown;
            default:
                return Answer.Refused;
        }
    }

    private async Task<NodeCall> CallAsync(
        NodeReport nodeReport, ClusterNode node, string phase, int attempt, Func<Task<NodeCall>> send)
    {
        using var activity = FanOutTelemetry.StartNodeStep($"{phase} #{attempt}", node.Name);
        var call = await send();
        activity?.SetTag("http.response.status_code", call.Status);
        activity?.SetTag("clustergroups.call.error", call.Error?.ToString());
        if (call.Status is null or >= 500)
        {
            activity?.SetStatus(ActivityStatusCode.Error, call.ToString());
        }

        lock (nodeReport)
        {
            nodeReport.Calls.Add(new CallRecord(phase, attempt, call, time.GetUtcNow()));
            nodeReport.DurationMs += call.DurationMs;
        }

        telemetry.RecordCall(node.Name, phase, call);
        return call;
    }

    private Task ForEachNodeAsync(OperationReport report, Func<NodeReport, bool> which, Func<ClusterNode, NodeReport, Task> step) =>
        Parallel.ForEachAsync(
            cluster.Nodes.Zip(report.Nodes).Where(pair => which(pair.Second)),
            _parallel,
            async (pair, _) => await step(pair.First, pair.Second));

    private static bool DesiredPresence(OperationKind kind) => kind == OperationKind.Create;

    private static void SetEffect(NodeReport nodeReport, NodeEffect effect, OperationKind kind, NodeCall? last = null)
    {
        nodeReport.Effect = effect;
        var verb = kind == OperationKind.Create ? "created" : "deleted";
        nodeReport.Action = effect switch
        {
            NodeEffect.Applied => verb,
            NodeEffect.AlreadySo => kind == OperationKind.Create ? "already present" : "already absent",
            NodeEffect.NotApplied => $"not {verb}: {last}",
            _ => $"unknown whether {verb}: {last}",
        };
    }

    private void Close(OperationReport report, long started)
    {
        report.EndedAt = time.GetUtcNow();
        report.DurationMs = time.GetElapsedTime(started).TotalMilliseconds;
        report.Summary = Summarize(report);
    }

    public static string Summarize(OperationReport report)
    {
        var verb = report.Kind == OperationKind.Create ? "created" : "deleted";
        var total = report.Nodes.Count;
        return report.Outcome switch
        {
            Outcome.Committed => $"{verb} on {report.Nodes.Count(n => n.Effect == NodeEffect.Applied)} of {total} nodes"
                                 + (report.Nodes.Any(n => n.Effect == NodeEffect.AlreadySo)
                                     ? $", already so on {Describe(report, n => n.Effect == NodeEffect.AlreadySo)}" : ""),
            Outcome.AlreadySo => $"already {(report.Kind == OperationKind.Create ? "present" : "absent")} on all {total} nodes; nothing changed",
            Outcome.RolledBack => $"failed on {Describe(report, n => n.Effect is NodeEffect.NotApplied or NodeEffect.Unknown)}; "
                                  + (report.Nodes.Any(n => n.Compensation == CompensationState.Undone)
                                      ? $"undone on {Describe(report, n => n.Compensation == CompensationState.Undone)}"
                                      : "no node was changed"),
            Outcome.PendingRepair => $"failed, and the rollback on {Describe(report, n => n.Compensation == CompensationState.Pending)} "
                                     + "could not be finished yet; the Api retries it until it is",
            _ => "running",
        };
    }

    private static string Describe(OperationReport report, Func<NodeReport, bool> which) =>
        string.Join(", ", report.Nodes.Where(which).Select(n => n.Node));

    [LoggerMessage(LogLevel.Information, "Recovery of {OperationId} ({GroupId}): {Outcome}, {Summary}")]
    private partial void LogResumed(string operationId, string groupId, Outcome outcome, string summary);

    [LoggerMessage(LogLevel.Warning, "Operation {OperationId} {Kind} {GroupId}: rolling back; failed on {Nodes}")]
    private partial void LogRollingBack(string operationId, OperationKind kind, string groupId, string nodes);

    [LoggerMessage(LogLevel.Information, "Operation {OperationId} on {Node}: compensation {Compensation} ({Action})")]
    private partial void LogCompensation(string operationId, string node, CompensationState compensation, string action);

    [LoggerMessage("Operation {OperationId} {Kind} {GroupId}: {Outcome}, {Summary}")]
    private partial void LogOutcome(LogLevel level, string operationId, OperationKind kind, string groupId, Outcome outcome, string summary);
}
