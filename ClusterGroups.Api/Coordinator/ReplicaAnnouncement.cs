namespace ClusterGroups.Api.Coordinator;

// What an Api replica announces in the coordinator while it runs (docs/ARCHITECTURE.md, "Upgrades"): the protocol
// version it runs and the newest journal version it reads. A new kind of record or node call is used only once every
// live announcement understands it (ProtocolVersions). An announcement lives for a few seconds on the store's clock
// unless renewed, so a replica that died stops counting soon after; one that stops withdraws it at once.
public sealed record ReplicaAnnouncement(string Replica, int Protocol, int JournalReads, DateTimeOffset StartedAt);
