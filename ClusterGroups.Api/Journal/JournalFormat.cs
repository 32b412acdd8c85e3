using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Journal;

// The one mapping between an operation's state and what every coordinator stores. Writes version 2; reads 2 and 1
// (entries written before the split stay recoverable for as long as the journal keeps them).
public static class JournalFormat
{
    public const int Version = 2;
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Write(OperationState op) => JsonSerializer.Serialize(ToEntry(op), JournalJson.Default.JournalEntry);

    // The same text as UTF-8, what a coordinator stores: written straight to bytes, never as a UTF-16 string first.
    public static byte[] WriteUtf8(OperationState op) => JsonSerializer.SerializeToUtf8Bytes(ToEntry(op), JournalJson.Default.JournalEntry);

    // Throws NewerJournalEntryException for an entry a newer Api wrote: whoever asked for that one entry must not guess.
    public static OperationState? Read(string json)
    {
        var node = JsonNode.Parse(json);
        var version = node?["journalVersion"]?.GetValue<int>() ?? 1;
        return version switch
        {
            2 => JsonSerializer.Deserialize(json, JournalJson.Default.JournalEntry) is { } entry ? FromEntry(entry) : null,
            1 => JsonSerializer.Deserialize(json, JournalJson.Default.JournalEntryV1) is { } v1 ? FromEntry(Upgrade(v1)) : null,
            _ => throw new NewerJournalEntryException(version, node?["operationId"]?.GetValue<string>()),
        };
    }

    // For lists (recovery's open operations, the operator's search): an entry a newer Api wrote is left out and
    // counted (cg.journal.newer_entries_skipped), so an older replica in a rolling upgrade neither fails its round nor
    // touches what it cannot read; a replica of the newer version lists and finishes it.
    public static OperationState? ReadOrSkipNewer(string json)
    {
        try
        {
            return Read(json);
        }
        catch (NewerJournalEntryException)
        {
            NewerSkipped.Add(1);
            return null;
        }
    }

    private static readonly System.Diagnostics.Metrics.Meter Meter = new("ClusterGroups.Api.Journal");
    private static readonly System.Diagnostics.Metrics.Counter<long> NewerSkipped = Meter.CreateCounter<long>(
        "cg.journal.newer_entries_skipped", description: "Journal entries a newer Api wrote, left out of a list by this replica");

    public static JournalEntry ToEntry(OperationState op) => new(
        Version, op.Id, op.Kind, op.GroupId, op.Outcome, op.StartedAt, op.EndedAt, op.DurationMs, op.Owner, op.Fence,
        op.TraceParent, op.Recoveries, op.LastRecoveryAt,
        [
            .. op.Nodes.Select(n => new JournalNode(n.Name, n.Effect, n.Compensation, n.Unreachable,
            [
                .. n.Calls.Select(c => new JournalCall(c.Phase, c.Attempt, c.At, c.Call.Request, c.Call.Status,
                    c.Call.Error, c.Call.Detail, c.Call.DurationMs, c.Call.RetryAfter?.TotalMilliseconds)),
            ], n.Dialect)),
        ],
        op.Caller, op.Actions.Count == 0 ? null : [.. op.Actions], op.RollingBack,
        op.Key is { } key ? new JournalKey(key.Scope, key.Value) : null, op.Epoch);

    private static OperationState FromEntry(JournalEntry entry) => OperationState.Restore(
        new Operation(entry.OperationId, entry.Kind, entry.GroupId),
        entry.Nodes.Select(n =>
        {
            var node = new NodeProgress(n.Node, n.Effect, n.Compensation, n.Unreachable, n.Dialect);
            node.Restore(n.Calls.Select(c => new CallRecord(c.Phase, c.Attempt,
                new NodeCall(c.Request, c.Status, c.Error, c.Detail, c.DurationMs,
                    RetryAfter: c.RetryAfterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null), c.At)));
            return node;
        }),
        entry.Outcome, entry.StartedAt, entry.EndedAt, entry.DurationMs, entry.Owner, entry.Fence, entry.Recoveries,
        entry.LastRecoveryAt, entry.Caller, entry.TraceParent, entry.Actions ?? [], entry.RollingBack,
        entry.IdempotencyKey is { } key ? new RequestKey(key.Scope, key.Key) : null, entry.Epoch);

    private static JournalEntry Upgrade(JournalEntryV1 v1) => new(
        1, v1.OperationId, v1.Kind, v1.GroupId, v1.Outcome, v1.StartedAt, v1.EndedAt, v1.DurationMs, v1.Owner, 0,
        v1.TraceParent, v1.Recoveries, v1.LastRecoveryAt,
        [
            .. (v1.Nodes ?? []).Select(n => new JournalNode(n.Node, n.Effect, n.Compensation, null,
            [
                .. (n.Calls ?? []).Select(c => new JournalCall(c.Phase, c.Attempt, c.At, c.Call.Request, c.Call.Status,
                    c.Call.Error, c.Call.Detail, c.Call.DurationMs)),
            ])),
        ]);
}
