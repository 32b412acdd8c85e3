using System.Text.Json.Serialization;

namespace ClusterGroups.Contracts.Operations;

// An operation as the Api answers it (POST/DELETE /v1/group, GET /v1/operations/{id}) and as clients read it.
// A view, made from the Api's working state or its journal by one mapping (the Api's OperationReports); it is never
// stored, so its shape can grow without touching the journal format.
public sealed record OperationReport(
    string OperationId,
    OperationKind Kind,
    string GroupId,
    Outcome Outcome,
    string Summary,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double DurationMs,
    string? Owner,
    int Recoveries,
    IReadOnlyList<NodeReport> Nodes,
    // The caller key (its name in Api:Keys) that asked for the operation; null when the Api is open (no keys).
    string? Caller = null,
    IReadOnlyList<OperatorAction>? Actions = null)
{
    [JsonIgnore]
    public bool IsOpen => Outcome is Outcome.Running or Outcome.PendingRepair;
}

// One node's part: what was done there (in words too), and every call with its answer.
public sealed record NodeReport(
    string Node,
    NodeEffect Effect,
    CompensationState Compensation,
    string Action,
    int Attempts,
    double DurationMs,
    IReadOnlyList<CallReport> Calls);

public sealed record CallReport(Phase Phase, int Attempt, CallAnswer Call, DateTimeOffset At);

// One HTTP call to one node: what was asked ("create", "delete", "read", "info"), what came back, how long it took.
// RetryAfterMs: the wait the node asked for (Retry-After), so a reader can tell a wait the protocol honoured from a
// slow node; left out of the JSON when the node asked for none, so answers without it keep their old shape.
public sealed record CallAnswer(
    string Request,
    int? Status,
    CallError? Error,
    string? Detail,
    double DurationMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RetryAfterMs = null);

// A page of operations; Next (when set) is the cursor for the next page (GET /v1/operations?cursor=).
public sealed record OperationList(IReadOnlyList<OperationReport> Operations, string? Next = null);
