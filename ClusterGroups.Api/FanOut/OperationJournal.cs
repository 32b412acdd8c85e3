using System.Text.Json;

namespace ClusterGroups.Api.FanOut;

// Where operations are recorded: before any node is touched (Begin), as they progress (Save), until closed.
// Entries are JSON (JournalFormat); readers get copies, never the live report.
// At most one operation per group is open, and it is the group's last: the protocol starts one only after the
// group's last operation closed, under the group's lease. So LastForGroupAsync also answers "is one open here?".
public interface IOperationJournal
{
    Task BeginAsync(OperationReport report, CancellationToken ct);
    Task SaveAsync(OperationReport report, CancellationToken ct);
    Task<OperationReport?> GetAsync(string operationId, CancellationToken ct);
    Task<IReadOnlyList<OperationReport>> ListAsync(bool openOnly, int max, CancellationToken ct);
    Task<IReadOnlyList<OperationReport>> ListOpenAsync(CancellationToken ct);
    Task<OperationReport?> LastForGroupAsync(string groupId, CancellationToken ct);
}

// The journal's entry format, version 1: the OperationReport as the Api answers it, plus "journalVersion".
public static class JournalFormat
{
    public const int Version = 1;
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Write(OperationReport report)
    {
        var node = JsonSerializer.SerializeToNode(report.Snapshot(), Json)!.AsObject();
        node["journalVersion"] = Version;
        return node.ToJsonString(Json);
    }

    public static OperationReport? Read(string json) => JsonSerializer.Deserialize<OperationReport>(json, Json);
}
