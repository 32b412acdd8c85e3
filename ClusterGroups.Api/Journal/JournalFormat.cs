using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Journal;

// The one mapping between an operation's state and what every coordinator stores. Reads versions 1 to 3; stamps each
// entry with the lowest version that can carry it (VersionNeeded), so that an older replica reads every entry whose
// meaning it would not get wrong and leaves the others alone (docs/ARCHITECTURE.md, "The journal" and "Upgrades").
public static class JournalFormat
{
    // The newest version this build reads and writes.
    public const int Version = 3;

    // The newest version the entries v2 and v3 share the shape of (JournalEntry); 3 only adds meaning.
    private const int FirstSharedShape = 2;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // What this process reads, and so the newest it writes: Version, or lower while it runs as an older protocol
    // (Cluster:Upgrade:Protocol, a test switch that stands in for the previous build in the rolling-upgrade test).
    // Set once at start (ProtocolVersions.Apply); the coordinators read through it.
    public static int ReadsUpTo { get; private set; } = Version;

    internal static void RunAs(int readsUpTo) => ReadsUpTo = Math.Clamp(readsUpTo, FirstSharedShape, Version);

    // v3 carries what an Api of v2 would get wrong: the record that the rollback began (RollingBack: a v2 replica
    // written before that record would drive the operation as if nothing were being undone, and might commit a group
    // already undone on some nodes), and a new owner's takeover calls (Phase.TakeOver: a v2 replica cannot parse the
    // phase). An entry without either is v2, and still read by a v2 replica.
    public static int VersionNeeded(OperationState op) =>
        op.RollingBack || op.Nodes.Any(n => n.Calls.Any(c => c.Phase == Phase.TakeOver)) ? 3 : FirstSharedShape;

    public static string Write(OperationState op) => Write(op, ReadsUpTo);

    // As an Api that reads up to `readsUpTo` writes it (never stamped above what its writer reads).
    public static string Write(OperationState op, int readsUpTo) =>
        JsonSerializer.Serialize(ToEntry(op, readsUpTo), JournalJson.Default.JournalEntry);

    // The same text as UTF-8, what a coordinator stores: written straight to bytes, never as a UTF-16 string first.
    public static byte[] WriteUtf8(OperationState op) => WriteUtf8(op, ReadsUpTo);

    public static byte[] WriteUtf8(OperationState op, int readsUpTo) =>
        JsonSerializer.SerializeToUtf8Bytes(ToEntry(op, readsUpTo), JournalJson.Default.JournalEntry);

    public static OperationState? Read(string json) => Read(json, ReadsUpTo);

    // Throws NewerJournalEntryException for an entry above `readsUpTo`: whoever asked for that one entry must not guess.
    public static OperationState? Read(string json, int readsUpTo)
    {
        var node = JsonNode.Parse(json);
        var version = node?["journalVersion"]?.GetValue<int>() ?? 1;
        if (version > readsUpTo)
        {
            throw new NewerJournalEntryException(version, node?["operationId"]?.GetValue<string>(), readsUpTo);
        }

        return version switch
        {
            2 or 3 => JsonSerializer.Deserialize(json, JournalJson.Default.JournalEntry) is { } entry ? FromEntry(entry) : null,
            1 => JsonSerializer.Deserialize(json, JournalJson.Default.JournalEntryV1) is { } v1 ? FromEntry(Upgrade(v1)) : null,
            _ => throw new NewerJournalEntryException(version, node?["operationId"]?.GetValue<string>(), readsUpTo),
        };
    }

    // For lists (recovery's open operations, the operator's search): an entry a newer Api wrote is left out and
    // counted (cg.journal.newer_entries_skipped), so an older replica in a rolling upgrade neither fails its round nor
    // touches what it cannot read; a replica of the newer version lists and finishes it.
    public static OperationState? ReadOrSkipNewer(string json) => ReadOrSkipNewer(json, ReadsUpTo);

    public static OperationState? ReadOrSkipNewer(string json, int readsUpTo)
    {
        try
        {
            return Read(json, readsUpTo);
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

    public static JournalEntry ToEntry(OperationState op) => ToEntry(op, ReadsUpTo);

    private static JournalEntry ToEntry(OperationState op, int readsUpTo) => new(
        Math.Min(VersionNeeded(op), readsUpTo), op.Id, op.Kind, op.GroupId, op.Outcome, op.StartedAt, op.EndedAt, op.DurationMs, op.Owner, op.Fence,
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
