using ClusterGroups.Api.FanOut;

namespace ClusterGroups.Api.Coordinator;

// What the cluster should hold for one group, and the operation that decided it.
public sealed record DesiredGroup(bool Present, string OperationId);

// The desired state per group: a compact record written when an operation closes as committed (or already so),
// kept as long as the group matters — not a journal entry's retention. The journal explains recent history; this
// explains a divergence found a month later (a node that came back empty, a node added to Cluster:Nodes).
// Cost: one record per group ever created (an absent record stays, so an old copy found on a node is known deleted).
public interface IDesiredState
{
    // The protocol's close step: records the state an operation that closed Committed/AlreadySo asked for; else nothing.
    Task RecordAsync(OperationState op, CancellationToken ct);

    Task<IReadOnlyDictionary<string, DesiredGroup>> GetAsync(IReadOnlyCollection<string> groupIds, CancellationToken ct);
}

public static class DesiredStates
{
    public static DesiredGroup? Of(OperationState op) =>
        op.Outcome is Outcome.Committed or Outcome.AlreadySo
            ? new DesiredGroup(op.Kind == OperationKind.Create, op.Id)
            : null;

    // "+op-…" present, "-op-…" absent: one short string per group.
    public static string Write(DesiredGroup desired) => (desired.Present ? "+" : "-") + desired.OperationId;

    public static DesiredGroup? Read(string? value) =>
        value is { Length: > 1 } && value[0] is '+' or '-' ? new DesiredGroup(value[0] == '+', value[1..]) : null;
}
