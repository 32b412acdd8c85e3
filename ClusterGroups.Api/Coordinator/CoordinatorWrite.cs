using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Coordinator;

// One of an operation's writes to the coordinator that may go in a batch (ICoordinatorBatch): the port's call it
// stands for, with that call's arguments.
public abstract record CoordinatorWrite
{
    // AcquireAsync(Request, Op): the lease and, when the group's last operation is closed, Op begun (steps 1 and 2).
    public sealed record Start(LeaseRequest Request, OperationState Op) : CoordinatorWrite;

    // BeginAsync(Op).
    public sealed record Begin(OperationState Op) : CoordinatorWrite;

    // SaveAsync(Op).
    public sealed record Save(OperationState Op) : CoordinatorWrite;

    // CloseAsync(Op, ReleaseOwner).
    public sealed record Close(OperationState Op, string? ReleaseOwner) : CoordinatorWrite;
}

// What one write of a batch got: what its single call returns (Start: a LeaseAnswer; Begin: a KeyedRequest or null;
// Save and Close: null), or what it throws (Error).
public sealed record CoordinatorAnswer(object? Value, Exception? Error)
{
    public object? Get() => Error is { } error ? throw error : Value;
}
