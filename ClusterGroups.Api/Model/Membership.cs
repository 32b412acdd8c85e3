namespace ClusterGroups.Api.Model;

// What a node is to the cluster at an epoch. Active: written by every operation and read as truth. Joining: written by
// every operation (so it does not fall behind while it is filled) but never read as truth, until a backfill has made
// it equal to the active nodes. Out: drained; no new operation touches it and nothing reads it.
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<MemberRole>))]
public enum MemberRole { Active, Joining, Out }

// Address: where a node added through the membership (not in Cluster:Nodes) is reached; null for configured nodes.
public sealed record Member(string Name, MemberRole Role, string? Address = null);

// The cluster's nodes as journaled state in the coordinator, with an epoch that only grows: every change is a new
// epoch, and an operation is begun only at the epoch it was planned under (the coordinator checks it in the start
// step), so an Api replica with an old view never begins an operation that leaves a joining or active node out.
// Epoch 0 is the membership no one has changed: every node of Cluster:Nodes, active.
public sealed record Membership(long Epoch, IReadOnlyList<Member> Members)
{
    public static Membership Initial(IEnumerable<string> configured) =>
        new(0, [.. configured.Select(name => new Member(name, MemberRole.Active))]);

    // The nodes a new operation runs on, in membership order.
    public IReadOnlyList<string> Writes => [.. Members.Where(m => m.Role != MemberRole.Out).Select(m => m.Name)];

    // The nodes whose contents count as the cluster's (reads, digests, the reconciler's evidence).
    public IReadOnlyList<string> Truth => [.. Members.Where(m => m.Role == MemberRole.Active).Select(m => m.Name)];

    public MemberRole? RoleOf(string name) =>
        Members.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))?.Role;

    // The next epoch, with `name` in `role` (added at the end, reached at `address`, when it was not a member).
    public Membership With(string name, MemberRole role, string? address = null) =>
        new(Epoch + 1, RoleOf(name) is null
            ? [.. Members, new Member(name, role, address)]
            : [.. Members.Select(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase) ? m with { Role = role } : m)]);

    // The next epoch without `name`.
    public Membership Without(string name) =>
        new(Epoch + 1, [.. Members.Where(m => !string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))]);
}
