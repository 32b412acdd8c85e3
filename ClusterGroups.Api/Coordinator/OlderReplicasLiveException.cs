namespace ClusterGroups.Api.Coordinator;

// A gated membership change refused by the coordinator in the step that would have written it: live replicas announce
// a protocol version below the one the change needs (Older). Nothing was written. The gate is checked there, and not
// only before, because a replica may announce between a read of the announcements and the write (simulator, seed 18046).
public sealed class OlderReplicasLiveException(IReadOnlyList<ReplicaAnnouncement> older)
    : Exception($"Live Api replicas run an older protocol version: {string.Join(", ", older.Select(r => $"{r.Replica} runs {r.Protocol}"))}.")
{
    public IReadOnlyList<ReplicaAnnouncement> Older { get; } = older;
}
