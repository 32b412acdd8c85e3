using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Cluster;

// RestoredOn: for an operation that rolled back, the nodes where it knew the group was in the opposite of the state it
// asked for before it began (its write there applied and was undone, or a read before its write found it so): the
// state it left there is the one it found (Reconciler, "a late copy of a rolled-back write").
public sealed record LastOperation(
    string OperationId, OperationKind Kind, Outcome Outcome, DateTimeOffset? EndedAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<string>? RestoredOn = null)
{
    public static LastOperation From(OperationState op) =>
        new(op.Id, op.Kind, op.Outcome, op.EndedAt, op.Outcome == Outcome.RolledBack
            ? [.. op.Nodes.Where(n => KnewOpposite(op, n)).Select(n => n.Name)]
            : null);

    // The journal keeps a read's status, not what it was read as: a read of a group answers 200 (present) or 404.
    private static bool KnewOpposite(OperationState op, NodeProgress node) =>
        node.Effect == NodeEffect.Applied && node.Compensation == CompensationState.Undone
        || node.Effect == NodeEffect.NotApplied
            && node.Calls.Any(c => c.Phase == Phase.ReadBefore && c.Call.Status == (op.Operation.DesiredPresence ? 404 : 200));
}
