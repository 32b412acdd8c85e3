namespace ClusterGroups.Client;

/// <summary>One group as the nodes hold it (<c>GET /v1/group/{groupId}</c>).</summary>
/// <param name="GroupId">The group.</param>
/// <param name="Consistent">Whether it is on every reachable node.</param>
/// <param name="PresentOn">The nodes that hold it.</param>
/// <param name="MissingOn">The reachable nodes that lack it.</param>
/// <param name="Unreachable">The nodes that could not be asked.</param>
public sealed record GroupView(
    string GroupId, bool Consistent, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn, IReadOnlyList<string> Unreachable);
