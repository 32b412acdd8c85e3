namespace ClusterGroups.Client;

/// <summary>The cluster's nodes (<c>GET /v1/cluster</c>).</summary>
/// <param name="NodeCount">How many nodes operations write (active and joining; drained ones are listed but not counted).</param>
/// <param name="ReachableCount">How many of them answered.</param>
/// <param name="Nodes">Each node of the membership.</param>
/// <param name="Epoch">The membership epoch (0: the membership no one changed).</param>
public sealed record ClusterView(int NodeCount, int ReachableCount, IReadOnlyList<NodeStatus> Nodes, long Epoch = 0);
