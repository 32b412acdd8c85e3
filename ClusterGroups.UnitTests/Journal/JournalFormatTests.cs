using ClusterGroups.Api.Model;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Operations;
using ClusterGroups.UnitTests.FanOut;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.Journal;

// The journal's format is versioned: v2 is written, v1 (written before the operation model was split) stays readable
// and recoverable. v1-pending-repair.json was written by JournalFormat v1 on main at 46655a6: a create applied on
// n1.test (its undo failing) and n2.test (undone), n3.test (a node that ignores Idempotency-Key) down.
public sealed class JournalFormatTests
{
    private static readonly string V1Pending = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Journal", "v1-pending-repair.json"));

    [Fact]
    public void A_v1_entry_reads_with_its_nodes_by_name_and_its_phases()
    {
        var op = JournalFormat.Read(V1Pending);

        Assert.NotNull(op);
        Assert.Equal(Outcome.PendingRepair, op.Outcome);
        Assert.Equal(["n1.test", "n2.test", "n3.test"], op.Nodes.Select(n => n.Name));
        Assert.Equal(CompensationState.Pending, op.Node("n1.test")!.Compensation);
        Assert.Equal(CompensationState.Undone, op.Node("n2.test")!.Compensation);
        Assert.True(op.Node("n1.test")!.Called(Phase.ReadBefore));
        Assert.Contains(op.Node("n1.test")!.Calls, c => c.Phase == Phase.CompensateVerify);
    }

    [Fact]
    public async Task A_v1_entry_left_pending_is_recovered_by_this_Api()
    {
        var v1 = JournalFormat.Read(V1Pending)!;
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: 2);
        h[0].SeedCreatedBy("g1", v1.Id);
        await h.Journal.BeginAsync(v1, CancellationToken.None);

        var repaired = await h.RecoverAsync(v1.Id);

        // Learned anew on every node (a takeover trusts nothing journaled of a node): n1 held this operation's write
        // and is undone; n2 holds no trace of its keys (written when the Api read it before writing), so it counts as
        // never changed.
        HasOutcome(repaired, Outcome.RolledBack);
        HasCompensations(repaired, CompensationState.Undone, CompensationState.NotNeeded, CompensationState.NotNeeded);
        Nowhere(h.Cluster, "g1");
        Assert.Equal($"{v1.Id}:undo", Assert.Single(h[0].RequestsOf(HttpMethod.Delete)).Key);
    }

    [Fact]
    public void V2_round_trips_and_says_its_version()
    {
        var op = JournalFormat.Read(V1Pending)!;

        var json = JournalFormat.Write(op);
        var again = JournalFormat.Read(json)!;

        Assert.Equal(2, JsonNode.Parse(json)!["journalVersion"]!.GetValue<int>());
        Assert.Equal(JsonSerializer.Serialize(OperationReports.From(op)), JsonSerializer.Serialize(OperationReports.From(again)));
        Assert.Contains("\"phase\":\"compensate-verify\"", json, StringComparison.Ordinal);
    }

    // The generated writer (JournalJson) stores what the reflection-based one did with the same options: an entry
    // with every kind of field (enums by wire name, phases, nulls, a Retry-After, actions) reads the same either way.
    [Fact]
    public void The_generated_writer_stores_the_text_the_reflection_one_did()
    {
        var v1 = JournalFormat.Read(V1Pending)!;
        var op = OperationState.Restore(v1.Operation, v1.Nodes, v1.Outcome, v1.StartedAt, v1.EndedAt, v1.DurationMs, v1.Owner,
            v1.Fence, v1.Recoveries, v1.LastRecoveryAt, caller: "ops-team", v1.TraceParent, []);
        var at = DateTimeOffset.Parse("2026-12-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        op.Record(new OperatorAction("abandon", "ops-team", at, "node gone"));
        op.Node("n1.test")!.Record(new CallRecord(Phase.Apply, 2,
            new NodeCall("create", 503, null, "busy", 1.5, RetryAfter: TimeSpan.FromSeconds(1)), at.AddSeconds(1)));

        var generated = JournalFormat.Write(op);
        var reflected = JsonSerializer.Serialize(JournalFormat.ToEntry(op), new JsonSerializerOptions(JsonSerializerDefaults.Web));

        Assert.Equal(reflected, generated);
        Assert.Contains("\"retryAfterMs\":1000", generated, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"PendingRepair\"", generated, StringComparison.Ordinal);
    }

    // The Idempotency-Key is an optional member: kept with its scope, absent from entries without one (an entry from
    // before keys reads with none).
    [Fact]
    public void The_idempotency_key_round_trips_and_an_entry_without_one_reads_with_none()
    {
        var v1 = JournalFormat.Read(V1Pending)!;
        var op = OperationState.Restore(v1.Operation, v1.Nodes, v1.Outcome, v1.StartedAt, v1.EndedAt, v1.DurationMs, v1.Owner,
            v1.Fence, v1.Recoveries, v1.LastRecoveryAt, caller: "ops-team", v1.TraceParent, [], key: new RequestKey("ops-team", "k-1"));

        var json = JournalFormat.Write(op);

        Assert.Equal(new RequestKey("ops-team", "k-1"), JournalFormat.Read(json)!.Key);
        Assert.Contains("\"idempotencyKey\":{\"scope\":\"ops-team\",\"key\":\"k-1\"}", json, StringComparison.Ordinal);
        Assert.Null(v1.Key);
        Assert.DoesNotContain("idempotencyKey", JournalFormat.Write(v1), StringComparison.Ordinal);
        var withoutKey = JsonNode.Parse(json)!.AsObject();
        withoutKey.Remove("idempotencyKey");
        Assert.Null(JournalFormat.Read(withoutKey.ToJsonString())!.Key);
    }

    [Fact]
    public void An_entry_from_a_newer_Api_is_refused_not_misread()
    {
        var newer = JsonNode.Parse(JournalFormat.Write(JournalFormat.Read(V1Pending)!))!;
        newer["journalVersion"] = 4;

        var refused = Assert.Throws<NewerJournalEntryException>(() => JournalFormat.Read(newer.ToJsonString()));
        Assert.Equal((4, newer["operationId"]!.GetValue<string>()), (refused.Version, refused.OperationId));
        // Lists leave it out (a newer replica finishes it) rather than fail.
        Assert.Null(JournalFormat.ReadOrSkipNewer(newer.ToJsonString()));
    }

    // An entry is stamped with the lowest version that carries it: an Api of the previous version (reads up to 2) reads
    // every entry whose meaning it would get right, and leaves alone the one whose rollback began (it would drive it
    // as if nothing were being undone); a replica running as that version never stamps above what it reads.
    [Fact]
    public void An_entry_is_stamped_v3_only_once_its_rollback_began_and_a_v2_reader_leaves_it_alone()
    {
        var op = JournalFormat.Read(V1Pending)!;
        var plain = JournalFormat.Write(op);
        Assert.Equal(2, JsonNode.Parse(plain)!["journalVersion"]!.GetValue<int>());
        Assert.NotNull(JournalFormat.Read(plain, readsUpTo: 2));

        op.BeginRollback();
        var rollingBack = JournalFormat.Write(op);
        Assert.Equal(3, JsonNode.Parse(rollingBack)!["journalVersion"]!.GetValue<int>());
        Assert.True(JournalFormat.Read(rollingBack)!.RollingBack);
        var refused = Assert.Throws<NewerJournalEntryException>(() => JournalFormat.Read(rollingBack, readsUpTo: 2));
        Assert.Equal((3, 2), (refused.Version, refused.Readable));
        Assert.Null(JournalFormat.ReadOrSkipNewer(rollingBack, readsUpTo: 2));

        // Written by a replica running as version 2: stamped 2 (what that version wrote), and read back by it.
        var asOlder = JournalFormat.Write(op, readsUpTo: 2);
        Assert.Equal(2, JsonNode.Parse(asOlder)!["journalVersion"]!.GetValue<int>());
        Assert.True(JournalFormat.Read(asOlder, readsUpTo: 2)!.RollingBack);

        // A new owner's takeover call (a phase version 2 cannot parse): v3 as well.
        var taken = JournalFormat.Read(V1Pending)!;
        taken.Nodes[0].Record(new CallRecord(Phase.TakeOver, 1, new NodeCall("POST /v1/abort", 200, null, null, 1.5), DateTimeOffset.UnixEpoch));
        Assert.Equal(3, JsonNode.Parse(JournalFormat.Write(taken))!["journalVersion"]!.GetValue<int>());
    }

    // The answer keeps the shape callers and the CLI read (the v1 entry was that answer): the same member names.
    [Fact]
    public void The_answer_has_the_members_of_the_report_callers_read()
    {
        var answer = JsonNode.Parse(JsonSerializer.Serialize(OperationReports.From(JournalFormat.Read(V1Pending)!), JournalFormat.Json))!.AsObject();
        var v1 = JsonNode.Parse(V1Pending)!.AsObject();

        foreach (var member in new[] { "operationId", "kind", "groupId", "outcome", "summary", "startedAt", "endedAt", "durationMs", "owner", "recoveries", "nodes" })
        {
            Assert.True(answer.ContainsKey(member) && v1.ContainsKey(member), member);
        }

        var node = answer["nodes"]![0]!.AsObject();
        var v1Node = v1["nodes"]![0]!.AsObject();
        Assert.Equal(v1Node.Select(p => p.Key).Order(), node.Select(p => p.Key).Order());
        Assert.Equal(v1Node["action"]!.GetValue<string>(), node["action"]!.GetValue<string>());
        Assert.Equal(v1["summary"]!.GetValue<string>(), answer["summary"]!.GetValue<string>());
    }
}
