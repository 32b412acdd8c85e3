using System.Text.Json.Serialization;

namespace ClusterGroups.Contracts.Operations;

// The words an operation is described in, shared by the Api (its working state, its journal, its answers) and every
// client. Wire names are written out where a rename must not change what is stored or answered.

[JsonConverter(typeof(JsonStringEnumConverter<OperationKind>))]
public enum OperationKind { Create, Delete }

// The outcome classes, each answered with its own HTTP status (see the Api's OperationResults).
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
    // A pending repair an operator gave up on purpose (POST /v1/operations/{id}/abandon): no longer retried; the
    // group may stay divergent until it is reconciled.
    Abandoned,
}

// What an operator did to an operation (retry, abandon), by which caller key, when, and why.
public sealed record OperatorAction(string Action, string? By, DateTimeOffset At, string? Reason);

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

// Which step of the protocol a node call belonged to. Written by its name in PhaseNames (journal format: v1 wrote
// these strings), never by the member's name.
[JsonConverter(typeof(PhaseJsonConverter))]
public enum Phase
{
    // A node that ignores Idempotency-Key is read before the write, so an unknown answer can be attributed later.
    ReadBefore,
    Apply,
    // The read that learns what an apply with an unknown answer did.
    ApplyVerify,
    // A read that learns a node's effect when the operation's own calls did not tell (recovery, rollback).
    Resolve,
    Compensate,
    CompensateVerify,
    // GET / of a node whose kind (our node, or one that ignores keys) was not known yet: decides how it is spoken to.
    Probe,
    // A new owner of an open operation fences the node and learns what the operation did there (our nodes), or reads it.
    TakeOver,
}

// What went wrong on the wire, when no HTTP status came back.
[JsonConverter(typeof(JsonStringEnumConverter<CallError>))]
public enum CallError
{
    Timeout,
    ConnectionRefused,
    ConnectionReset,
    CircuitOpen,
    Other,
}
