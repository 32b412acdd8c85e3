namespace ClusterGroups.Simulation.World;

// An answer about one group that a simulated node gave and an Api replica received (a create, delete or read: each
// says what the node held when it was served). Key is the write's Idempotency-Key, null for a read. What the Api knew
// of the node, for the seed's weaker rule (Invariants.Superseded).
public readonly record struct NodeAnswer(string GroupId, string? Key, TimeSpan Sent, TimeSpan Served, TimeSpan Answered);
