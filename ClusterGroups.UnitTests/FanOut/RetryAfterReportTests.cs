using ClusterGroups.Api.Model;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Operations;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// A node's Retry-After is part of what the Api answers per call, and of what the journal keeps: a reader (the bench,
// an operator) can then tell an operation that waited because a node asked it to from one that was slow by itself.
// Read as JSON, the wire form the bench and the CLI read.
public sealed class RetryAfterReportTests
{
    // The protocol honours Retry-After up to MaxRetryAfter: cut short here, so the test does not wait the second.
    private static readonly Dictionary<string, string?> ShortRetryAfter = new() { ["Cluster:Resilience:MaxRetryAfter"] = "00:00:00.010" };

    [Fact]
    public async Task The_answer_says_the_Retry_After_a_node_asked_for_and_the_journal_keeps_it()
    {
        await using var h = FanOutHarness.Start(3, [], ShortRetryAfter);
        h[1].Script(Fault.UnavailableBeforeApply(retryAfterSeconds: 1, HttpMethod.Post));

        var op = await h.CreateAsync("g1");

        HasOutcome(op, Outcome.Committed);
        AssertRetryAfter(Report(op), 1000);
        AssertRetryAfter(Report(JournalFormat.Read(JournalFormat.Write(op))!), 1000);
    }

    [Fact]
    public void A_journal_entry_written_before_the_field_still_reads()
    {
        var entry = JsonNode.Parse(JournalFormat.Write(JournalFormat.Read(File.ReadAllText(
            Path.Combine(AppContext.BaseDirectory, "Journal", "v1-pending-repair.json")))!))!;
        foreach (var call in entry["nodes"]!.AsArray().SelectMany(n => n!["calls"]!.AsArray()))
        {
            call!.AsObject().Remove("retryAfterMs");
        }

        var op = JournalFormat.Read(entry.ToJsonString());

        Assert.NotNull(op);
        Assert.All(Calls(Report(op)), call => Assert.Null(RetryAfterMs(call)));
    }

    private static void AssertRetryAfter(JsonNode report, double expectedMs)
    {
        var calls = Calls(report).ToList();
        var unavailable = Assert.Single(calls, c => c["status"]?.GetValue<int>() == 503);
        Assert.Equal(expectedMs, RetryAfterMs(unavailable));
        Assert.All(calls.Where(c => c != unavailable), c => Assert.Null(RetryAfterMs(c)));
    }

    private static JsonNode Report(Api.Model.OperationState op) =>
        JsonNode.Parse(JsonSerializer.Serialize(OperationReports.From(op), JournalFormat.Json))!;

    private static IEnumerable<JsonNode> Calls(JsonNode report) =>
        report["nodes"]!.AsArray().SelectMany(n => n!["calls"]!.AsArray()).Select(c => c!["call"]!);

    private static double? RetryAfterMs(JsonNode call) => call["retryAfterMs"]?.GetValue<double>();
}
