using System.Text.Json;
using ClusterGroups.Api.Coordinator;

namespace ClusterGroups.Api.Journal;

// How every coordinator stores a replica's announcement: {"replica": "…", "protocol": 3, "journalReads": 3, "startedAt": …}.
public static class ReplicaFormat
{
    public static string Write(ReplicaAnnouncement replica) => JsonSerializer.Serialize(replica, JournalJson.Default.ReplicaAnnouncement);

    public static ReplicaAnnouncement? Read(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, JournalJson.Default.ReplicaAnnouncement);

    // A JSON array of announcements (PostgreSQL's cg.change_membership_gated).
    public static IReadOnlyList<ReplicaAnnouncement> ReadAll(string json) =>
        JsonSerializer.Deserialize(json, JournalJson.Default.ReplicaAnnouncementArray) ?? [];
}
