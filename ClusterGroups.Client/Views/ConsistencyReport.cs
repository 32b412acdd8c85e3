namespace ClusterGroups.Client;

/// <summary>Every group that is not on all nodes (<c>GET /v1/cluster/consistency</c>).</summary>
/// <param name="Consistent">Whether every group is on every reachable node.</param>
/// <param name="CheckedAt">When the nodes were compared.</param>
/// <param name="Nodes">The nodes compared.</param>
/// <param name="Unreachable">The nodes that could not be read.</param>
/// <param name="Divergent">Each group not on every reachable node.</param>
/// <param name="Counts">Each reachable node's number of groups.</param>
/// <param name="DifferingBuckets">How many digest buckets differed and were listed.</param>
/// <param name="StaleDigests">The nodes whose digest did not cover their groups, with the node's reason: listed in full instead.</param>
/// <param name="Summary">The report in one sentence.</param>
public sealed record ConsistencyReport(
    bool Consistent, DateTimeOffset CheckedAt, IReadOnlyList<string> Nodes, IReadOnlyList<string> Unreachable,
    IReadOnlyList<DivergentGroup> Divergent, IReadOnlyDictionary<string, long>? Counts = null, int DifferingBuckets = 0,
    IReadOnlyDictionary<string, string>? StaleDigests = null, string? Summary = null);
