namespace ClusterGroups.Client;

/// <summary>What a reconcile did (<c>POST /v1/cluster/reconcile</c>).</summary>
/// <param name="Repaired">The repairs made.</param>
/// <param name="Unexplained">Divergent groups no operation explains, left as they are under the policy given.</param>
/// <param name="LeftToRecovery">Divergent groups whose last operation is still open: recovery finishes them.</param>
/// <param name="Consistent">Whether every group is on every node now.</param>
public sealed record ReconcileReport(
    IReadOnlyList<Repair> Repaired, IReadOnlyList<DivergentGroup> Unexplained, IReadOnlyList<DivergentGroup> LeftToRecovery, bool Consistent);
