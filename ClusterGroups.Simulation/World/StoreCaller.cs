namespace ClusterGroups.Simulation.World;

// Who sent a script to the coordinator store: a replica, and the protocol version it runs (for the upgrade's checks).
public sealed record StoreCaller(string Replica, int Version);
