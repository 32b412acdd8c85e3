namespace ClusterGroups.Client;

/// <summary>The cluster's nodes (<c>GET /v1/cluster</c>).</summary>
/// <param name="NodeCount">How many nodes the Api is configured with.</param>
/// <param name="ReachableCount">How many of them answered.</param>
/// <param name="Nodes">Each node.</param>
public sealed record ClusterView(int NodeCount, int ReachableCount, IReadOnlyList<NodeStatus> Nodes);
