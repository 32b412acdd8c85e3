using ClusterGroups.Api.Journal;

namespace ClusterGroups.Api.Upgrades;

// The protocol versions replicas announce (docs/ARCHITECTURE.md, "Upgrades"), and what each one added that an older
// replica would get wrong. A feature is used only once every live replica announces at least its version
// (ReplicaVersions.RefusalAsync); a journal entry is stamped with the lowest version that carries it (JournalFormat).
//   2  journal v2; membership with epochs; does not announce (every build before announcements)
//   3  announces; journal v3 for entries with a rollback record or takeover calls; membership changes gated
public static class ProtocolVersions
{
    public const int Oldest = 2;
    public const int Current = 3;

    // Drain, rejoin, add, remove: a replica that does not announce its version cannot be told whether it plans on the
    // membership, so changes wait until every live replica says it runs a version that does.
    public static readonly ProtocolFeature MembershipChanges = new("membership changes", 3);

    public static IReadOnlyList<ProtocolFeature> Gated { get; } = [MembershipChanges];

    // The journal version a replica of protocol version `protocol` reads.
    public static int JournalReads(int protocol) => protocol >= 3 ? JournalFormat.Version : 2;
}

// A kind of record or call, and the oldest protocol version that understands it.
public sealed record ProtocolFeature(string Name, int Needs);
