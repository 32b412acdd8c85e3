namespace ClusterGroups.Client;

/// <summary>What the Api's desired state says of a group: present or absent, and the operation that made it so.</summary>
/// <param name="Present">Whether the group should exist.</param>
/// <param name="OperationId">The operation that set it.</param>
public sealed record DesiredGroup(bool Present, string OperationId);
