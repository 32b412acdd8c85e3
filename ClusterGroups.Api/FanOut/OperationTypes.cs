using System.Text.Json.Serialization;
using ClusterGroups.Api.Nodes;

namespace ClusterGroups.Api.FanOut;

[JsonConverter(typeof(JsonStringEnumConverter<OperationKind>))]
public enum OperationKind { Create, Delete }

// The outcome classes of DESIGN.md, each answered with its own HTTP status (see GroupEndpoints).
[JsonConverter(typeof(JsonStringEnumConverter<Outcome>))]
public enum Outcome
{
    // Still running (only seen in /v1/operations while an operation is in flight).
    Running,
    // The desired state now holds on every node.
    Committed,
    // Every node was already in the desired state; nothing changed.
    AlreadySo,
    // Failed on some node; every node this operation changed is back to its state before it.
    RolledBack,
    // Failed, and the rollback could not be finished yet (a node unreachable); the Api finishes it by itself.
    PendingRepair,
}

// What the operation did on one node.
[JsonConverter(typeof(JsonStringEnumConverter<NodeEffect>))]
public enum NodeEffect
{
    // Not known yet (in flight) or never learned (the node stayed silent): the rollback must resolve it.
    Unknown,
    // This operation changed the node (created or deleted the group there).
    Applied,
    // The node was already in the desired state; untouched.
    AlreadySo,
    // The node refused or could not be reached; nothing was changed there.
    NotApplied,
}

[JsonConverter(typeof(JsonStringEnumConverter<CompensationState>))]
public enum CompensationState { NotNeeded, Undone, Pending }

public sealed record Operation(string Id, OperationKind Kind, string GroupId)
{
    public static Operation New(OperationKind kind, string groupId) =>
        new($"op-{Guid.CreateVersion7():N}", kind, groupId);

    public string UndoKey => $"{Id}:undo";

    public OperationKind Inverse => Kind == OperationKind.Create ? OperationKind.Delete : OperationKind.Create;
}

// A call as recorded in the report: which phase it belonged to, and what came back.
public sealed record CallRecord(string Phase, int Attempt, NodeCall Call, DateTimeOffset At);

public sealed class NodeReport
{
    public required string Node { get; init; }
    public NodeEffect Effect { get; set; } = NodeEffect.Unknown;
    public CompensationState Compensation { get; set; } = CompensationState.NotNeeded;
    public int Attempts => Calls.Count;
    public double DurationMs { get; set; }
    public List<CallRecord> Calls { get; init; } = [];

    // The effect in words, e.g. "created", "already present", "not created: connection refused".
    public string Action { get; set; } = "pending";

    // A copy taken while no call is being added, for the journal.
    public NodeReport Snapshot()
    {
        lock (this)
        {
            return new NodeReport
            {
                Node = Node, Effect = Effect, Compensation = Compensation, DurationMs = DurationMs, Action = Action, Calls = [.. Calls],
            };
        }
    }
}

public sealed class OperationReport
{
    public required string OperationId { get; init; }
    public required OperationKind Kind { get; init; }
    public required string GroupId { get; init; }
    public Outcome Outcome { get; set; } = Outcome.Running;
    public string Summary { get; set; } = "running";
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; set; }
    public double DurationMs { get; set; }
    public string? Owner { get; set; }

    // The W3C trace id of the operation's span, so a recovery's span can link to it.
    public string? TraceParent { get; set; }

    // How often recovery took the operation over (its Api died, or its rollback was pending).
    public int Recoveries { get; set; }

    // When recovery last tried it; the next try waits longer each time (see Recovery).
    public DateTimeOffset? LastRecoveryAt { get; set; }

    public List<NodeReport> Nodes { get; init; } = [];

    // Journal writes of one operation happen one at a time, each with a fresh snapshot, so a later state is never
    // overwritten by an earlier one.
    [JsonIgnore]
    public SemaphoreSlim SaveGate { get; } = new(1, 1);

    public OperationReport Snapshot() => new()
    {
        OperationId = OperationId, Kind = Kind, GroupId = GroupId, Outcome = Outcome, Summary = Summary,
        StartedAt = StartedAt, EndedAt = EndedAt, DurationMs = DurationMs, Owner = Owner, TraceParent = TraceParent,
        Recoveries = Recoveries, LastRecoveryAt = LastRecoveryAt, Nodes = [.. Nodes.Select(n => n.Snapshot())],
    };

    [JsonIgnore]
    public bool IsOpen => Outcome is Outcome.Running or Outcome.PendingRepair;

    [JsonIgnore]
    public Operation Operation => new(OperationId, Kind, GroupId);
}

// What RunAsync gives back: the finished operation's report, or why none was started (Refusal).
public sealed record FanOutResult(OperationReport? Report, string? Refusal)
{
    public static FanOutResult Done(OperationReport report) => new(report, null);
    public static FanOutResult Busy(string refusal) => new(null, refusal);
}

// A precondition of RunAsync: the group's last journaled operation (null: none).
public sealed record LastOperationIs(string? OperationId);
