namespace ClusterGroups.Api.Model;

// What the cluster should hold for one group, and the operation that decided it: written when an operation closes as
// committed (or already so), kept as long as the group matters, not a journal entry's retention. The journal explains
// recent history; this explains a divergence found a month later (a node that came back empty, a node added).
public sealed record DesiredGroup(bool Present, string OperationId)
{
    // The desired state an operation leaves, if it closed Committed or AlreadySo; else none.
    public static DesiredGroup? Of(OperationState op) =>
        op.Outcome is Outcome.Committed or Outcome.AlreadySo ? new DesiredGroup(op.Kind == OperationKind.Create, op.Id) : null;

    // "+op-…" present, "-op-…" absent: one short string per group, as every coordinator stores it.
    public string Write() => (Present ? "+" : "-") + OperationId;

    public static DesiredGroup? Read(string? value) =>
        value is { Length: > 1 } && value[0] is '+' or '-' ? new DesiredGroup(value[0] == '+', value[1..]) : null;
}
