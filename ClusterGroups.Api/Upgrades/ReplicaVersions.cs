using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Model;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Upgrades;

// This replica's version, and the live replicas' as announced in the coordinator: decides whether a gated feature may
// be used now. This replica always counts, announced or not (its announcement may not have reached the store yet).
public sealed class ReplicaVersions(ICoordinator coordinator, IOptions<UpgradeOptions> options, TimeProvider time, Entropy entropy)
{
    public ReplicaAnnouncement Self { get; } = Announce(entropy.Instance, options.Value.Protocol ?? ProtocolVersions.Current, time.GetUtcNow());

    // Makes this process read and write the journal as its protocol version does (once, at start).
    public void Apply() => JournalFormat.RunAs(Self.JournalReads);

    public async Task<IReadOnlyList<ReplicaAnnouncement>> LiveAsync(CancellationToken ct)
    {
        var live = await coordinator.ListReplicasAsync(ct);
        return [.. live.Where(r => r.Replica != Self.Replica).Append(Self).OrderBy(r => r.Replica, StringComparer.Ordinal)];
    }

    // Null when every live replica understands `feature`; else why it must wait, naming the replicas that do not.
    // A first look, before any work: the coordinator checks the gate again in the step that writes (a replica may
    // announce in between; ICoordinator.ChangeMembershipAsync).
    public async Task<string?> RefusalAsync(ProtocolFeature feature, CancellationToken ct)
    {
        var older = (await LiveAsync(ct)).Where(r => r.Protocol < feature.Needs).ToList();
        return older.Count == 0 ? null : Refusal(feature, older);
    }

    public static string Refusal(ProtocolFeature feature, IEnumerable<ReplicaAnnouncement> older) =>
        $"{feature.Name} need every live Api replica at protocol version {feature.Needs} or later; "
        + $"{string.Join(", ", older.Select(r => $"{r.Replica} runs {r.Protocol}"))}. Finish the rolling upgrade first "
        + "(a replica that stopped counts until its announcement expires).";

    private static ReplicaAnnouncement Announce(string instance, int protocol, DateTimeOffset now) =>
        new(instance, protocol, ProtocolVersions.JournalReads(protocol), now);
}
