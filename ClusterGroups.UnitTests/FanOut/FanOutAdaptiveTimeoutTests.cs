using ClusterGroups.Api.Cluster;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Nodes;
using Microsoft.Extensions.Options;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// The attempt timeout follows each node's recent latency (NodeLatency): a lost answer from a node that answers in
// milliseconds costs a fraction of a second, not the whole Cluster:Resilience:AttemptTimeout.
public sealed class FanOutAdaptiveTimeoutTests
{
    private static NodeLatency Latency(string max = "00:00:02", string min = "00:00:00.250", double factor = 5) =>
        new(Options.Create(new ClusterOptions
        {
            Resilience = new ResilienceSettings
            {
                AttemptTimeout = TimeSpan.Parse(max, System.Globalization.CultureInfo.InvariantCulture),
                MinAttemptTimeout = TimeSpan.Parse(min, System.Globalization.CultureInfo.InvariantCulture),
                AttemptTimeoutFactor = factor,
            },
        }));

    private static void Record(NodeLatency latency, string node, int times, double ms)
    {
        for (var i = 0; i < times; i++)
        {
            latency.Record(node, ms);
        }
    }

    [Fact]
    public void A_node_without_history_gets_the_whole_attempt_timeout()
    {
        var latency = Latency();
        Record(latency, "node1", 19, 1);

        Assert.Equal(TimeSpan.FromSeconds(2), latency.AttemptTimeout("node2"));
        Assert.Equal(TimeSpan.FromSeconds(2), latency.AttemptTimeout("node1"));
        Assert.Equal(TimeSpan.FromSeconds(2), latency.AttemptTimeout(null));
    }

    [Fact]
    public void The_timeout_is_the_factor_times_the_recent_p90_between_the_minimum_and_the_maximum()
    {
        var latency = Latency();
        Record(latency, "fast", 100, 2);
        Record(latency, "steady", 100, 100);
        Record(latency, "slow", 100, 900);

        Assert.Equal(TimeSpan.FromMilliseconds(250), latency.AttemptTimeout("fast"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), latency.AttemptTimeout("steady"));
        Assert.Equal(TimeSpan.FromSeconds(2), latency.AttemptTimeout("slow"));
    }

    [Fact]
    public void Timeouts_of_a_node_that_slowed_down_raise_its_timeout_again()
    {
        var latency = Latency();
        Record(latency, "node1", 200, 2);
        Assert.Equal(TimeSpan.FromMilliseconds(250), latency.AttemptTimeout("node1"));

        // A few lost answers (faults) count at what they waited but leave the timeout alone.
        Record(latency, "node1", 16, 250);
        Assert.Equal(TimeSpan.FromMilliseconds(250), latency.AttemptTimeout("node1"));

        // Past 10 % of calls the node is slow, not unlucky: the p90 climbs, and the timeout with it.
        Record(latency, "node1", 16, 250);
        Assert.Equal(TimeSpan.FromMilliseconds(1250), latency.AttemptTimeout("node1"));
    }

    [Fact]
    public void A_minimum_at_or_above_the_maximum_makes_the_timeout_fixed()
    {
        var latency = Latency(max: "00:00:01", min: "00:00:01");
        Record(latency, "node1", 100, 2);

        Assert.Equal(TimeSpan.FromSeconds(1), latency.AttemptTimeout("node1"));
    }

    [Fact]
    public async Task A_lost_answer_from_a_fast_node_is_given_up_long_before_the_maximum_attempt_timeout()
    {
        await using var h = FanOutHarness.Start(3, [], new Dictionary<string, string?>
        {
            ["Cluster:Resilience:AttemptTimeout"] = "00:00:10",
            ["Cluster:Resilience:MinAttemptTimeout"] = "00:00:00.100",
        });
        for (var i = 0; i < 25; i++)
        {
            HasOutcome(await h.CreateAsync($"warm{i}"), Outcome.Committed);
        }

        h[1].Script(Fault.TimeoutBeforeApply(HttpMethod.Post));
        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        Everywhere(h.Cluster, "g1");
        var lost = Assert.Single(Calls(report, 1, Phase.Apply), c => c.Error == CallError.Timeout);
        Assert.True(lost.DurationMs < 5_000, $"the lost answer was waited for {lost.DurationMs} ms; the maximum is 10 000 ms");
    }

    // After a lost answer the node is asked what the write did at once, not after a backoff: with a first backoff of
    // 30 s the question would come tens of seconds later (Cluster:Resilience:BaseDelay), and the operation with it.
    [Fact]
    public async Task After_a_lost_answer_the_node_is_asked_at_once_not_after_a_backoff()
    {
        await using var h = FanOutHarness.Start(3, [], new Dictionary<string, string?>
        {
            ["Cluster:Resilience:AttemptTimeout"] = "00:00:00.200",
            ["Cluster:Resilience:BaseDelay"] = "00:00:30",
        });

        h[1].Script(Fault.TimeoutBeforeApply(HttpMethod.Post));
        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        Everywhere(h.Cluster, "g1");
        var calls = report.Node(h[1].Name)!.Calls;
        var lost = Assert.Single(calls, c => c.Call.Error == CallError.Timeout);
        var next = calls[calls.ToList().IndexOf(lost) + 1];
        var waited = next.At - TimeSpan.FromMilliseconds(next.Call.DurationMs) - lost.At;
        Assert.True(waited < TimeSpan.FromSeconds(5), $"the node was asked {waited.TotalSeconds:F1} s after the lost answer ({next.Phase})");
    }
}
