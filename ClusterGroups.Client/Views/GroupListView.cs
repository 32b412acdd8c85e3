namespace ClusterGroups.Client;

/// <summary>One page of the cluster's groups (<c>GET /v1/groups?cursor=&amp;limit=</c>).</summary>
/// <param name="Consistent">Whether every group of this page is on every reachable node.</param>
/// <param name="Groups">The page's groups.</param>
/// <param name="Unreachable">The nodes that could not be listed.</param>
/// <param name="Next">The cursor of the next page; null on the last one.</param>
public sealed record GroupListView(bool Consistent, IReadOnlyList<GroupEntry> Groups, IReadOnlyList<string> Unreachable, string? Next);
