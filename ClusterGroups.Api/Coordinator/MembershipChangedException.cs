namespace ClusterGroups.Api.Coordinator;

// The coordinator refused to begin an operation planned under another membership epoch than the one it holds
// (Current): nothing was written, no lease taken. The Api reads the membership again and plans the operation anew.
public sealed class MembershipChangedException(long planned, long current)
    : Exception($"The operation was planned under membership epoch {planned}; the coordinator is at {current}.")
{
    public long Planned { get; } = planned;
    public long Current { get; } = current;
}
