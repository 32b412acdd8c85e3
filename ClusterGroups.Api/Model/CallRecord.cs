namespace ClusterGroups.Api.Model;

// A call as the protocol recorded it: which phase it belonged to, and what came back.
public sealed record CallRecord(Phase Phase, int Attempt, NodeCall Call, DateTimeOffset At);
