namespace ClusterGroups.Api.Security;

// Who the Api takes the caller for: the key's name (null without keys) and the roles it holds, lowest first.
public sealed record CallerView(string? Name, IReadOnlyList<string> Roles);
