using ClusterGroups.Api.Model;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Nodes;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// The circuit breaker is per node: a dead node trips its own, calls to it stop reaching it, and the others never see
// an open circuit. A call refused by an open circuit counts as not sent: safe, never as applied.
public sealed class FanOutBreakerTests
{
    [Fact]
    public async Task A_down_node_trips_only_its_own_breaker_and_every_operation_still_rolls_back_cleanly()
    {
        await using var h = FanOutHarness.Start(3, [], new Dictionary<string, string?>
        {
            ["Cluster:Resilience:BreakerMinimumThroughput"] = "2",
            ["Cluster:Resilience:BreakDuration"] = "00:01:00",
        });
        h[2].GoDown();

        var reports = new List<OperationState>();
        for (var i = 0; i < 5; i++)
        {
            reports.Add(await h.CreateAsync($"g{i}"));
        }

        Assert.All(reports, r => HasOutcome(r, Outcome.RolledBack));
        Assert.All(reports, r => Assert.Equal(NodeEffect.NotApplied, r.Nodes[2].Effect));
        Assert.All(h.Cluster.Nodes, n => Assert.Empty(n.Groups));
        var errors = reports.SelectMany(r => r.Nodes[2].Calls).Select(c => c.Call.Error).ToList();
        Assert.Contains(CallError.CircuitOpen, errors);
        Assert.DoesNotContain(reports.SelectMany(r => r.Nodes.Take(2)).SelectMany(n => n.Calls), c => c.Call.Error is not null);
        // Once open, the dead node is no longer called for every try.
        Assert.True(h[2].Requests.Count < errors.Count, $"{h[2].Requests.Count} requests for {errors.Count} calls");
    }
}
