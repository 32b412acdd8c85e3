using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterGroups.Api.Journal;

// The journal's JSON, generated at build time: every operation writes its entry twice (Start and Close), and the
// generated writer costs less than the reflection-based one. Same options as before (the web defaults), so the
// stored text is unchanged (JournalFormatTests compare it with entries written by earlier versions).
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(JournalEntry))]
[JsonSerializable(typeof(JournalEntryV1))]
[JsonSerializable(typeof(ClusterGroups.Api.Model.Membership))]
[JsonSerializable(typeof(ClusterGroups.Api.Coordinator.ReplicaAnnouncement))]
[JsonSerializable(typeof(ClusterGroups.Api.Coordinator.ReplicaAnnouncement[]))]
internal sealed partial class JournalJson : JsonSerializerContext;
