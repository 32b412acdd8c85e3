namespace ClusterGroups.Cli;

// GET /v1/groups?cursor=…: one page of the cluster's groups; Next is the cursor of the following page (null: last).
public sealed record GroupListPage(bool Consistent, IReadOnlyList<GroupEntry> Groups, IReadOnlyList<string>? Unreachable, string? Next);
