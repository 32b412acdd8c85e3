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
//                counted as success or failure: it is resolved on the node, by sending the same request again with
//                the same Idempotency-Key (our nodes replay it) or, on nodes that ignore the key, by reading;
//   4. decide    all nodes applied or already so -> committed (or "already so" if no node changed);
//   5. undo      otherwise every node this operation changed, or may have changed, is put back as it was;
//                what cannot be undone now stays open in the journal as "pending repair" and recovery finishes it.
//
// "Exists" on create and "not found" on delete are answers, not failures: that node was already in the desired state.
public sealed partial class FanOutProtocol(
    ClusterDirectory cluster,
    NodeClient nodes,
    IOperationJournal journal,
    IGroupLocks locks,
    NodeRetry retry,
    FanOutTelemetry telemetry,
    IOptions<ClusterOptions> options,
    TimeProvider time,
    ILogger<FanOutProtocol> logger)
{
    private readonly ParallelOptions _parallel = new() { MaxDegreeOfParallelism = options.Value.MaxParallelism };

    /// <summary>Runs one operation to its end; null when another operation held the groupId for too long.</summary>
    public async Task<OperationReport?> RunAsync(OperationKind kind, string groupId, CancellationToken stopping)
    {
        // 1. lock
        await using var lease = await locks.AcquireAsync(groupId, options.Value.Resilience.LockTimeout, stopping);
        if (lease is null)
        {
            return null;
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
            Nodes = [.. cluster.Nodes.Select(n => new NodeReport { Node = n.Name })],
        };

        // 2. journal
        await journal.BeginAsync(report, stopping);

        // 3. apply
        await ForEachNodeAsync(report, node => true, (node, nodeReport) => ApplyAsync(op, node, nodeReport, stopping));
        await journal.SaveAsync(report, stopping);

        // 4. decide
        if (report.Nodes.All(n => n.Effect is NodeEffect.Applied or NodeEffect.AlreadySo))
        {
            report.Outcome = report.Nodes.All(n => n.Effect is NodeEffect.AlreadySo) ? Outcome.AlreadySo : Outcome.Committed;
        }
        else
        {
            // 5. undo
            LogRollingBack(op.Id, op.Kind, op.GroupId, Describe(report, n => n.Effect is NodeEffect.NotApplied or NodeEffect.Unknown));
            await CompensateAsync(report, stopping);
        }

        Close(report, started);
        await journal.SaveAsync(report, stopping);
        telemetry.RecordOutcome(report);
        LogOutcome(op.Id, op.Kind, op.GroupId, report.Outcome, report.Summary);
        return report;
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
    private async Task ApplyAsync(Operation op, ClusterNode node, NodeReport nodeReport, CancellationToken ct)
    {
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
            // Our nodes: the same request with the same key replays its answer (or applies it now, which is then
            // undone like any other). Other nodes: a read tells, since the state before was read in step 3.
            var (effect, last) = node.HonoursIdempotency
                ? await WriteUntilKnownAsync(op.Kind, op.GroupId, op.Id, node, nodeReport, "resolve", ct, mayHaveApplied: true)
                : await ReadEffectAsync(op, node, nodeReport, ct);
            SetEffect(nodeReport, effect, op.Kind, last);
        }

        if (nodeReport.Effect is not NodeEffect.Applied)
        {
            nodeReport.Compensation = nodeReport.Effect is NodeEffect.Unknown ? CompensationState.Pending : CompensationState.NotNeeded;
        }
        else
        {
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

    // Sends one write until its effect on the node is known, or the tries run out.
    private async Task<(NodeEffect Effect, NodeCall? Last)> WriteUntilKnownAsync(
        OperationKind kind, string groupId, string idempotencyKey, ClusterNode node, NodeReport nodeReport,
        string phase, CancellationToken ct, bool mayHaveApplied = false)
    {
        var effect = NodeEffect.NotApplied;
        // When resolving, an earlier try may have applied the write: tries that never reach the node leave it unknown.
        var outcomeUnknown = mayHaveApplied;
        NodeCall? last = null;
        var attempt = 0;

        await retry.ExecuteAsync(node.Name, phase, async token =>
        {
            attempt++;
            // After an unknown answer, a node that ignores the key is read, not written again: a second write's
            // "exists"/"not found" could not be told apart from the first write having worked.
            if (outcomeUnknown && !node.HonoursIdempotency)
            {
                last = await CallAsync(nodeReport, node, $"{phase}-verify", attempt, () => nodes.ReadAsync(node, groupId, token));
                if (last.Present == DesiredPresence(kind))
                {
                    effect = NodeEffect.Applied;
                    return NodeStep.Done;
                }

                if (last.Present is null)
                {
                    return NodeStep.Again(last.RetryAfter);
                }

                outcomeUnknown = false; // known not applied: writing again is safe
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

    // For a node that ignores the key, whose state before the operation was read in step 3.
    private async Task<(NodeEffect, NodeCall?)> ReadEffectAsync(Operation op, ClusterNode node, NodeReport nodeReport, CancellationToken ct)
    {
        NodeCall? last = null;
        var attempt = 0;
        await retry.ExecuteAsync(node.Name, "resolve", async token =>
        {
            last = await CallAsync(nodeReport, node, "resolve", ++attempt, () => nodes.ReadAsync(node, op.GroupId, token));
            return last.Present is null ? NodeStep.Again(last.RetryAfter) : NodeStep.Done;
        }, ct);

        return last?.Present switch
        {
            null => (NodeEffect.Unknown, last),
            var present when present == DesiredPresence(op.Kind) => (NodeEffect.Applied, last),
            _ => (NodeEffect.NotApplied, last),
        };
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

    [LoggerMessage(LogLevel.Warning, "Operation {OperationId} {Kind} {GroupId}: rolling back; failed on {Nodes}")]
    private partial void LogRollingBack(string operationId, OperationKind kind, string groupId, string nodes);

    [LoggerMessage(LogLevel.Information, "Operation {OperationId} on {Node}: compensation {Compensation} ({Action})")]
    private partial void LogCompensation(string operationId, string node, CompensationState compensation, string action);

    [LoggerMessage(LogLevel.Information, "Operation {OperationId} {Kind} {GroupId}: {Outcome}, {Summary}")]
    private partial void LogOutcome(string operationId, OperationKind kind, string groupId, Outcome outcome, string summary);
}
