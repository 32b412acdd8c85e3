using System.Text.Json.Serialization;

namespace ClusterGroups.Contracts.Operations;

// The words an operation is described in, shared by the Api (its working state, its journal, its answers) and every
// client. Wire names are written out where a rename must not change what is stored or answered.

/// <summary>What an operation does to its group.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OperationKind>))]
public enum OperationKind
{
    /// <summary>Create the group on every node.</summary>
    Create,

    /// <summary>Delete the group from every node.</summary>
    Delete,
}

/// <summary>An operation's outcome class, each answered with its own HTTP status (README, "Outcomes").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Outcome>))]
public enum Outcome
{
    /// <summary>Still running (seen in /v1/operations while an operation is in flight).</summary>
    Running,
    /// <summary>The desired state now holds on every node.</summary>
    Committed,
    /// <summary>Every node was already in the desired state; nothing changed.</summary>
    AlreadySo,
    /// <summary>Failed on some node; every node this operation changed is back to its state before it.</summary>
    RolledBack,
    /// <summary>Failed, and the rollback could not be finished yet (a node unreachable); the Api finishes it by itself.</summary>
    PendingRepair,
    /// <summary>
    /// A pending repair an operator gave up on purpose (<c>POST /v1/operations/{id}/abandon</c>): no longer retried;
    /// the group may stay divergent until it is reconciled.
    /// </summary>
    Abandoned,
}

/// <summary>What an operator did to an operation (retry, abandon), by which caller key, when, and why.</summary>
/// <param name="Action"><c>retry</c> or <c>abandon</c>.</param>
/// <param name="By">The caller key's name.</param>
/// <param name="At">When.</param>
/// <param name="Reason">Why (abandon).</param>
public sealed record OperatorAction(string Action, string? By, DateTimeOffset At, string? Reason);

/// <summary>What an operation did on one node.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NodeEffect>))]
public enum NodeEffect
{
    /// <summary>Not known yet (in flight) or never learned (the node stayed silent): the rollback must resolve it.</summary>
    Unknown,
    /// <summary>This operation changed the node (created or deleted the group there).</summary>
    Applied,
    /// <summary>The node was already in the desired state; untouched.</summary>
    AlreadySo,
    /// <summary>The node refused or could not be reached; nothing was changed there.</summary>
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
