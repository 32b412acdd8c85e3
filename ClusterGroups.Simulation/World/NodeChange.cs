namespace ClusterGroups.Simulation.World;

// A change a simulated node applied: when, to which group, present after it, by which request's key (a seed node
// ignores it; the simulation still knows which write it was), and when that request was sent (a copy held by the
// network lands long after it was sent).
public readonly record struct NodeChange(TimeSpan At, string GroupId, bool Present, string Key, TimeSpan Sent);
