using System.Text.Json.Serialization;

namespace ClusterGroups.Contracts.Operations;

// A view, made from the Api's working state or its journal by one mapping (the Api's OperationReports); it is never
// stored, so its shape can grow without touching the journal format.
/// <summary>
/// An operation as the Api answers it (<c>POST</c>/<c>DELETE /v1/group</c>, <c>GET /v1/operations/{id}</c>): its
/// outcome, and per node what was done there and every call with its answer.
/// </summary>
/// <param name="OperationId">The operation's id (<c>op-…</c>).</param>
/// <param name="Kind">Create or delete.</param>
/// <param name="GroupId">The group.</param>
/// <param name="Outcome">How it ended, or that it is still open (<see cref="Outcome.Running"/>, <see cref="Outcome.PendingRepair"/>).</param>
/// <param name="Summary">What happened, in a sentence.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="EndedAt">When it closed; null while open.</param>
/// <param name="DurationMs">How long the Api worked on it.</param>
/// <param name="Owner">The Api process (and lease) that ran it last.</param>
/// <param name="Recoveries">How many times recovery took it over.</param>
/// <param name="Nodes">Each node's part.</param>
/// <param name="Caller">The caller key's name that asked for it; null when the Api has no keys.</param>
/// <param name="Actions">What operators did to it (retry, abandon).</param>
/// <param name="Epoch">The membership epoch it ran under: <paramref name="Nodes"/> are that epoch's written nodes, so
/// "committed" means on those nodes (a node drained at that epoch is not among them). 0: the membership no one changed.</param>
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
    IReadOnlyList<OperatorAction>? Actions = null,
    long Epoch = 0)
{
    /// <summary>Whether it is still open: running, or failed with its rollback pending.</summary>
    [JsonIgnore]
    public bool IsOpen => Outcome is Outcome.Running or Outcome.PendingRepair;
}

/// <summary>One node's part of an operation: what was done there (in words too), and every call with its answer.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Effect">What the operation did there.</param>
/// <param name="Compensation">Whether it had to be undone there, and whether it was.</param>
/// <param name="Action">The effect in words (<c>created</c>, <c>already present</c>, …).</param>
/// <param name="Attempts">How many calls were made to it.</param>
/// <param name="DurationMs">How long they took together.</param>
/// <param name="Calls">Every call, in order.</param>
public sealed record NodeReport(
    string Node,
    NodeEffect Effect,
    CompensationState Compensation,
    string Action,
    int Attempts,
    double DurationMs,
    IReadOnlyList<CallReport> Calls);

/// <summary>One call to a node: the protocol step it belonged to, its attempt number, what it answered, when.</summary>
/// <param name="Phase">The protocol step.</param>
/// <param name="Attempt">Its attempt number within the step.</param>
/// <param name="Call">What was asked and answered.</param>
/// <param name="At">When it returned.</param>
public sealed record CallReport(Phase Phase, int Attempt, CallAnswer Call, DateTimeOffset At);

// One HTTP call to one node: what was asked ("create", "delete", "read", "info"), what came back, how long it took.
// RetryAfterMs: the wait the node asked for (Retry-After), so a reader can tell a wait the protocol honoured from a
// slow node; left out of the JSON when the node asked for none, so answers without it keep their old shape.
/// <summary>One HTTP call to a node: what was asked, what came back, how long it took.</summary>
/// <param name="Request"><c>create</c>, <c>delete</c>, <c>read</c> or <c>info</c>.</param>
/// <param name="Status">The node's HTTP status; null when none came back.</param>
/// <param name="Error">What went wrong on the wire, when no status came back.</param>
/// <param name="Detail">The node's detail or the error's message.</param>
/// <param name="DurationMs">How long the call took.</param>
/// <param name="RetryAfterMs">The wait the node asked for (<c>Retry-After</c>), if any.</param>
public sealed record CallAnswer(
    string Request,
    int? Status,
    CallError? Error,
    string? Detail,
    double DurationMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RetryAfterMs = null);

/// <summary>A page of operations, newest first (<c>GET /v1/operations</c>).</summary>
/// <param name="Operations">The page's operations.</param>
/// <param name="Next">The cursor of the next page (<c>?cursor=</c>); null on the last one.</param>
public sealed record OperationList(IReadOnlyList<OperationReport> Operations, string? Next = null);
