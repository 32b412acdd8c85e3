namespace ClusterGroups.Client;

/// <summary>The cluster's membership (<c>GET /v1/cluster/membership</c>): which nodes operations write and which are read as truth.</summary>
/// <param name="Epoch">Grows with every change; operations name the epoch they ran under.</param>
/// <param name="Members">Each node with its role.</param>
public sealed record MembershipView(long Epoch, IReadOnlyList<MemberView> Members);

/// <summary>One node of the membership.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Role"><c>Active</c> (written, read as truth), <c>Joining</c> (written, being backfilled) or <c>Out</c> (drained).</param>
/// <param name="Address">Where it is reached, for a node added through the membership; null for a configured node.</param>
public sealed record MemberView(string Name, string Role, string? Address);

/// <summary>What a drain did (<c>POST /v1/cluster/nodes/{name}/drain</c>).</summary>
/// <param name="Membership">The membership with the node out.</param>
/// <param name="Open">Operations begun before the drain that still write the node: wait for them before stopping it.</param>
public sealed record DrainView(MembershipView Membership, IReadOnlyList<string> Open);
