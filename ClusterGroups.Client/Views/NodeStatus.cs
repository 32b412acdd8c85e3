namespace ClusterGroups.Client;

/// <summary>One node as the Api sees it (<c>GET /v1/cluster</c>).</summary>
/// <param name="Name">Its name in the Api's <c>Cluster:Nodes</c>.</param>
/// <param name="Address">Where the Api reaches it.</param>
/// <param name="Reachable">Whether it answered.</param>
/// <param name="LatencyMs">How long its answer took.</param>
/// <param name="GroupCount">Its number of groups, from its digest; null when not counted.</param>
/// <param name="HonoursIdempotency">Whether it honours idempotency keys (ours do; the seed's nodes do not).</param>
/// <param name="Error">What went wrong when it did not answer.</param>
/// <param name="Role">What it is to the cluster: <c>Active</c> (written and read as truth), <c>Joining</c> (written, being
/// backfilled, not read) or <c>Out</c> (drained: neither).</param>
public sealed record NodeStatus(
    string Name, string Address, bool Reachable, double LatencyMs, long? GroupCount, bool HonoursIdempotency, string? Error,
    string Role = "Active");
