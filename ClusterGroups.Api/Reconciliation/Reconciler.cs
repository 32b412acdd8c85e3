using System.Diagnostics.Metrics;
using ClusterGroups.Api.FanOut;

namespace ClusterGroups.Api.Reconciliation;

// What to do with a divergent group the journal cannot explain (someone wrote to a node directly).
public enum UnexplainedPolicy
{
    // Only list it (the default, and what the background reconciler does).
    Report,
    // Create it on every node.
    PresenceWins,
    // Delete it from every node.
    AbsenceWins,
    // Whatever most nodes have; a tie is only reported.
    Majority,
}

public sealed record Repair(string GroupId, string Action, IReadOnlyList<string> Nodes, string Reason, string? OperationId, string Outcome);

public sealed record ReconcileReport(
    IReadOnlyList<Repair> Repaired, IReadOnlyList<DivergentGroup> Unexplained, IReadOnlyList<DivergentGroup> LeftToRecovery, bool Consistent);

// Compares the nodes and repairs divergence: a group whose last operation in the journal committed is put back in
// the state that operation asked for, with a new operation through the protocol (so the repair is journaled too).
// Divergence the journal cannot explain is changed only by a policy the caller chooses. Against the journal (the
// audit, ConsistencyCheck) a group every node holds while the journal decided it absent, or none holds while it
// decided it present, is repaired the same way: the journal explains it.
public sealed partial class Reconciler(
    ConsistencyCheck check, FanOutProtocol protocol, IMeterFactory meters, IHostApplicationLifetime lifetime, ILogger<Reconciler> logger)
{
    private readonly Counter<long> _repairs = meters.Create(FanOutTelemetry.Name)
        .CreateCounter<long>("clustergroups.reconciler.repairs", "{repair}", "Divergent groups repaired by the reconciler");

    // A round that compares the nodes with each other only.
    public Task<ReconcileReport> RunAsync(UnexplainedPolicy policy, CancellationToken ct) => RunAsync(policy, againstJournal: false, ct);

    // againstJournal: the audit as well (ConsistencyCheck), the nodes against the journal's desired state.
    public async Task<ReconcileReport> RunAsync(UnexplainedPolicy policy, bool againstJournal, CancellationToken ct)
    {
        var before = await check.RunAsync(againstJournal, ct);
        var repaired = new List<Repair>();
        var unexplained = new List<DivergentGroup>();
        var leftToRecovery = new List<DivergentGroup>();
        foreach (var group in before.Divergent)
        {
            var (kind, reason) = Explain(group, policy);
            if (group.LastOperation?.Outcome is Outcome.Running or Outcome.PendingRepair)
            {
                leftToRecovery.Add(group);
                continue;
            }

            if (kind is null)
            {
                unexplained.Add(group);
                continue;
            }

            // The repair runs on the application's lifetime: a caller who hangs up does not stop it half-way.
            // Only if no operation ran on the group since it was read: a newer one decides the state, not this repair.
            var result = await protocol.RunAsync(kind.Value, group.GroupId, lifetime.ApplicationStopping,
                new LastOperationIs(group.LastOperation?.OperationId));
            var nodes = kind == OperationKind.Create ? group.MissingOn : group.PresentOn;
            var outcome = result.Operation?.Outcome.ToString() ?? "Busy";
            repaired.Add(new Repair(group.GroupId, kind == OperationKind.Create ? "created" : "deleted", nodes, reason,
                result.Operation?.Id, outcome));
            _repairs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
            LogRepair(group.GroupId, kind.Value, string.Join(", ", nodes), reason, outcome);
        }

        var after = repaired.Count > 0 ? await check.RunAsync(againstJournal, ct) : before;
        return new ReconcileReport(repaired, unexplained, leftToRecovery, after.Consistent);
    }

    // The journal explains a divergence while it remembers the group's last operation; after its retention, the
    // group's desired state (written when that operation committed) still does. A last operation that rolled back
    // explains it too when every node that now holds what it asked for is one where it found the opposite and left it
    // so (LastOperation.RestoredOn): that is a copy of its write that arrived after the rollback (a node that ignores
    // Idempotency-Key cannot refuse it), and the repair puts back the state the operation found, on those nodes only.
    private static (OperationKind? Kind, string Reason) Explain(DivergentGroup group, UnexplainedPolicy policy)
    {
        if (group.LastOperation is { Outcome: Outcome.Committed or Outcome.AlreadySo } last)
        {
            return (last.Kind, $"its last operation {last.OperationId} ({last.Kind}) committed");
        }

        if (group.Desired is { } desired)
        {
            return (desired.Present ? OperationKind.Create : OperationKind.Delete,
                $"its desired state is {(desired.Present ? "present" : "absent")} (set by {desired.OperationId})");
        }

        if (group.LastOperation is { Outcome: Outcome.RolledBack, RestoredOn: { } restored } rolledBack
            && (rolledBack.Kind == OperationKind.Create ? group.PresentOn : group.MissingOn) is { Count: > 0 } late
            && late.All(restored.Contains))
        {
            var inverse = rolledBack.Kind == OperationKind.Create ? OperationKind.Delete : OperationKind.Create;
            return (inverse, $"its last operation {rolledBack.OperationId} ({rolledBack.Kind}) rolled back, and found it "
                + $"{(inverse == OperationKind.Create ? "present" : "absent")} on {string.Join(", ", late)}: a late copy of its write");
        }

        return policy switch
        {
            UnexplainedPolicy.PresenceWins => (OperationKind.Create, "policy presence-wins"),
            UnexplainedPolicy.AbsenceWins => (OperationKind.Delete, "policy absence-wins"),
            UnexplainedPolicy.Majority when group.PresentOn.Count > group.MissingOn.Count => (OperationKind.Create, "policy majority"),
            UnexplainedPolicy.Majority when group.PresentOn.Count < group.MissingOn.Count => (OperationKind.Delete, "policy majority"),
            _ => (null, "not explained by the journal"),
        };
    }

    [LoggerMessage(LogLevel.Warning, "Reconciler: {GroupId} {Kind} on {Nodes} ({Reason}): {Outcome}")]
    private partial void LogRepair(string groupId, OperationKind kind, string nodes, string reason, string outcome);
}
