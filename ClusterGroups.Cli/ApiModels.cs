namespace ClusterGroups.Cli;

// The Api's JSON as the client reads it. Operations are read with the Api's own answer types
// (ClusterGroups.Contracts.Operations: a failure answer is problem+json whose extension members are the report's
// fields, so the same type reads both); the rest declares only what the client shows. --json passes the Api's JSON on.
public sealed record ProblemDetails(string? Title, string? Detail, int? Status);

public sealed record NodeStatus(
    string Name, string? Address, bool Reachable, double LatencyMs, int? GroupCount, bool HonoursIdempotency, string? Error);

public sealed record ClusterView(int NodeCount, int ReachableCount, IReadOnlyList<NodeStatus> Nodes);

public sealed record GroupView(
    string GroupId, bool Consistent, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn, IReadOnlyList<string> Unreachable);

public sealed record GroupEntry(string GroupId, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn);

public sealed record GroupListView(bool Consistent, IReadOnlyList<GroupEntry> Groups, IReadOnlyList<string> Unreachable);

// GET /v1/cluster/consistency
public sealed record ConsistencyReport(
    bool Consistent,
    DateTimeOffset? CheckedAt,
    IReadOnlyList<string> Nodes,
    IReadOnlyList<string>? Unreachable,
    IReadOnlyList<Divergence> Divergent);

public sealed record Divergence(
    string GroupId, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn, LastOperation? LastOperation);

public sealed record LastOperation(string OperationId, string? Kind, string? Outcome, DateTimeOffset? EndedAt);

// POST /v1/cluster/reconcile
public sealed record ReconcileReport(bool Consistent, IReadOnlyList<Repair>? Repaired, IReadOnlyList<Divergence>? Unexplained);

public sealed record Repair(string GroupId, string? Action, IReadOnlyList<string>? Nodes);
