namespace ClusterGroups.Client;

/// <summary>One repair the reconciler made.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="Action">What was done.</param>
/// <param name="Nodes">The nodes it was done on.</param>
/// <param name="Reason">Why (which operation or policy explains it).</param>
/// <param name="OperationId">The journaled operation that made the repair.</param>
/// <param name="Outcome">That operation's outcome.</param>
public sealed record Repair(string GroupId, string Action, IReadOnlyList<string> Nodes, string Reason, string? OperationId, string Outcome);
