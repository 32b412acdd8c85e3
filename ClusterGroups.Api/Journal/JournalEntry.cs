namespace ClusterGroups.Api.Journal;

// The journal's entry, format version 2: only what recovery and the operation's readers need, with nodes by name.
// Its own types, so that nothing renamed in the protocol's state or in the Api's answers changes what is stored.
// Enum values are stored by their wire names (Contracts.Operations), which are fixed.
public sealed record JournalEntry(
    int JournalVersion,
    string OperationId,
    OperationKind Kind,
    string GroupId,
    Outcome Outcome,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double DurationMs,
    string? Owner,
    long Fence,
    string? TraceParent,
    int Recoveries,
    DateTimeOffset? LastRecoveryAt,
    IReadOnlyList<JournalNode> Nodes,
    string? Caller = null,
    IReadOnlyList<OperatorAction>? Actions = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)] bool RollingBack = false,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] JournalKey? IdempotencyKey = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)] long Epoch = 0);

// Epoch (optional, added with membership): the membership epoch the operation was begun under; absent: 0 (the
// membership no one changed, or an entry from before membership). Older replicas ignore it and still read the entry.

// IdempotencyKey (optional, added with Idempotency-Key on the Api): the key the caller sent, in its caller's scope
// (the API key name, "" when the Api has no keys); absent: none was sent, or the entry is from before keys.
public sealed record JournalKey(string Scope, string Key);

// Dialect (optional, added with node dialects): how the node was spoken to ("keyed", "seed"); absent: not decided yet,
// or an entry from before dialects (the node is then probed).
public sealed record JournalNode(
    string Node,
    NodeEffect Effect,
    CompensationState Compensation,
    string? Unreachable,
    IReadOnlyList<JournalCall> Calls,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Dialect = null);

public sealed record JournalCall(
    Phase Phase,
    int Attempt,
    DateTimeOffset At,
    string Request,
    int? Status,
    CallError? Error,
    string? Detail,
    double DurationMs,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] double? RetryAfterMs = null);

// Format version 1 (written until the operation model was split): the Api's answer as it was, plus journalVersion.
// Read only; fields v2 no longer keeps (summary, action, attempts) are recomputed.
public sealed record JournalEntryV1(
    string OperationId,
    OperationKind Kind,
    string GroupId,
    Outcome Outcome,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double DurationMs,
    string? Owner,
    string? TraceParent,
    int Recoveries,
    DateTimeOffset? LastRecoveryAt,
    IReadOnlyList<JournalNodeV1>? Nodes);

public sealed record JournalNodeV1(string Node, NodeEffect Effect, CompensationState Compensation, IReadOnlyList<JournalCallV1>? Calls);

public sealed record JournalCallV1(Phase Phase, int Attempt, JournalCallAnswerV1 Call, DateTimeOffset At);

public sealed record JournalCallAnswerV1(string Request, int? Status, CallError? Error, string? Detail, double DurationMs);
