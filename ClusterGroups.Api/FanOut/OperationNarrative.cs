using ClusterGroups.Api.Model;
namespace ClusterGroups.Api.FanOut;

// The operation in words, for answers, logs and the journal's readers: made from the state, never stored as the
// truth (v1 journal entries stored it; it is recomputed on read).
public static class OperationNarrative
{
    // After a membership change the nodes an operation covers are named, so "committed" is never read as "on every
    // node there is" (a drained node is not among them).
    private static string Members(OperationState op, string summary) =>
        op.Epoch == 0 ? summary : $"{summary} (membership epoch {op.Epoch}: {string.Join(", ", op.Nodes.Select(n => n.Name))})";

    public static string Summary(OperationState op)
    {
        var verb = Verb(op.Kind);
        var total = op.Nodes.Count;
        return Members(op, op.Outcome switch
        {
            Outcome.Committed => $"{verb} on {op.Nodes.Count(n => n.Effect == NodeEffect.Applied)} of {total} nodes"
                                 + (op.Nodes.Any(n => n.Effect == NodeEffect.AlreadySo)
                                     ? $", already so on {Names(op, n => n.Effect == NodeEffect.AlreadySo)}" : ""),
            Outcome.AlreadySo => $"already {(op.Kind == OperationKind.Create ? "present" : "absent")} on all {total} nodes; nothing changed",
            Outcome.RolledBack => $"failed on {Failed(op)}; "
                                  + (op.Nodes.Any(n => n.Compensation == CompensationState.Undone)
                                      ? $"undone on {Names(op, n => n.Compensation == CompensationState.Undone)}"
                                      : "no node was changed"),
            Outcome.PendingRepair => $"failed, and the rollback on {Names(op, n => n.Compensation == CompensationState.Pending)} "
                                     + "could not be finished yet; the Api retries it until it is"
                                     + Unconfigured(op),
            Outcome.Abandoned => $"abandoned by {op.Actions.LastOrDefault(a => a.Action == "abandon")?.By ?? "an operator"}"
                                 + $" ({op.Actions.LastOrDefault(a => a.Action == "abandon")?.Reason}); the rollback on "
                                 + $"{Names(op, n => n.Compensation == CompensationState.Pending)} was given up: the nodes may "
                                 + "differ until reconciled",
            _ => "running",
        });
    }

    // What was done on one node, e.g. "created", "already present", "created, then undone", "not created: create -> 500".
    public static string Action(OperationKind kind, NodeProgress node)
    {
        var verb = Verb(kind);
        var last = node.LastCall?.Call;
        var effect = node.Effect switch
        {
            NodeEffect.Applied => verb,
            NodeEffect.AlreadySo => kind == OperationKind.Create ? "already present" : "already absent",
            NodeEffect.NotApplied => $"not {verb}: {last}",
            _ when node.Unreachable is not null => $"unknown whether {verb}: {node.Unreachable}",
            _ when last is null => "pending",
            _ => $"unknown whether {verb}: {last}",
        };
        return node.Compensation switch
        {
            CompensationState.Undone when node.Effect is NodeEffect.Applied => $"{effect}, then undone",
            CompensationState.Pending when node.Effect is NodeEffect.Applied =>
                $"{effect}; undo pending: {node.Unreachable ?? last?.ToString()}",
            _ => effect,
        };
    }

    // The nodes where the operation failed: refused, or whose effect stayed unknown.
    public static string Failed(OperationState op) =>
        Names(op, n => n.Effect is NodeEffect.NotApplied or NodeEffect.Unknown);

    private static string Unconfigured(OperationState op) =>
        op.Nodes.Any(n => n.Unreachable is not null)
            ? $" ({string.Join("; ", op.Nodes.Where(n => n.Unreachable is not null).Select(n => $"{n.Name}: {n.Unreachable}"))})"
            : "";

    private static string Verb(OperationKind kind) => kind == OperationKind.Create ? "created" : "deleted";

    private static string Names(OperationState op, Func<NodeProgress, bool> which) =>
        string.Join(", ", op.Nodes.Where(which).Select(n => n.Name));
}
