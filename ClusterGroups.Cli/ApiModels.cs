namespace ClusterGroups.Cli;

// The Api's JSON as the client reads it. Only what the client shows is declared; --json passes the Api's own JSON on.
// A failure answer is problem+json whose extension members are the operation report's fields, so one type reads both.
public sealed record OperationReport(
    string? OperationId,
    string? Kind,
    string? GroupId,
    string? Outcome,
    string? Summary,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    double DurationMs,
    IReadOnlyList<NodeReport>? Nodes,
    string? Title = null,
    string? Detail = null);

public sealed record NodeReport(
    string Node,
    string? Effect,
    string? Compensation,
    string? Action,
    int Attempts,
    double DurationMs,
    IReadOnlyList<CallRecord>? Calls);

public sealed record CallRecord(string Phase, int Attempt, NodeCall Call, DateTimeOffset At);

public sealed record NodeCall(string Request, int? Status, string? Error, string? Detail, double DurationMs);

public sealed record OperationList(IReadOnlyList<OperationReport> Operations);

public sealed record ProblemDetails(string? Title, string? Detail, int? Status);

public sealed record NodeStatus(
    string Name, string? Address, bool Reachable, double LatencyMs, long? GroupCount, bool HonoursIdempotency, string? Error);

public sealed record ClusterView(int NodeCount, int ReachableCount, IReadOnlyList<NodeStatus> Nodes);

public sealed record GroupView(
    string GroupId, bool Consistent, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn, IReadOnlyList<string> Unreachable);

public sealed record GroupEntry(string GroupId, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn);


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
