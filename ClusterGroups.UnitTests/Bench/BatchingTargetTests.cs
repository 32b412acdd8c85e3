using ClusterGroups.Bench.Measurement;
using ClusterGroups.Bench.Output;

namespace ClusterGroups.UnitTests.Bench;

// Issue 27's c=1 batching targets as the benchmark computes them (Analysis.Targets): with the start after "off"
// (on, off, on), "on" is the mean of the two "on" starts; without it, the single pair.
public sealed class BatchingTargetTests
{
    [Fact]
    public void On_off_on_divides_the_mean_of_both_on_starts_by_off()
    {
        var checks = Targets(
            Start(SizeRunVariants.Default, p50: 5.0, p99: 22.0),
            Start(SizeRunVariants.NoBatching, p50: 5.0, p99: 20.0),
            Start(SizeRunVariants.BatchingOnAgain, p50: 4.0, p99: 16.0));

        var p50 = Check(checks, "p50(Api create");
        var p99 = Check(checks, "p99(Api create");
        Assert.Contains("the mean of the starts before and after off", p50.Target);
        Assert.Equal("0.9", p50.Measured);
        Assert.Equal("0.95", p99.Measured);
        Assert.True(p50.Met);
        Assert.True(p99.Met);
    }

    [Fact]
    public void Without_the_second_on_start_the_single_pair_counts()
    {
        var checks = Targets(
            Start(SizeRunVariants.Default, p50: 6.0, p99: 24.0),
            Start(SizeRunVariants.NoBatching, p50: 5.0, p99: 20.0));

        var p50 = Check(checks, "p50(Api create");
        Assert.DoesNotContain("mean", p50.Target);
        Assert.Equal("1.2", p50.Measured);
        Assert.False(p50.Met);
        Assert.Equal("1.2", Check(checks, "p99(Api create").Measured);
    }

    [Fact]
    public void A_second_on_start_of_another_size_is_not_paired()
    {
        var checks = Targets(
            Start(SizeRunVariants.Default, p50: 6.0, p99: 24.0),
            Start(SizeRunVariants.NoBatching, p50: 5.0, p99: 20.0),
            Start(SizeRunVariants.BatchingOnAgain, p50: 1.0, p99: 1.0, nodes: 9));

        Assert.Equal("1.2", Check(checks, "p50(Api create").Measured);
    }

    private static IReadOnlyList<TargetCheck> Targets(params SizeResult[] runs) =>
        Analysis.Targets(runs, new Figures(null, null, null, new Dictionary<int, double>(), new Dictionary<int, double>(), null),
            SeedClientResult.NotMeasured("not part of this test"));

    private static TargetCheck Check(IReadOnlyList<TargetCheck> checks, string starts) =>
        Assert.Single(checks, c => c.Target.StartsWith($"issue 27: {starts}", StringComparison.Ordinal));

    // One start at N nodes whose Api phase at c=1 had these create latencies (the deletes' differ, and must not count).
    private static SizeResult Start(string variant, double p50, double p99, int nodes = 3)
    {
        var create = new LatencySummary(1000, p50, p50, p99, p99, p99, p50);
        var delete = new LatencySummary(1000, 100, 100, 100, 100, 100, 100);
        var phase = new PhaseResult(
            "api", nodes, 1, 0, 10, 2000, 200, false, delete,
            new Dictionary<string, LatencySummary> { ["create"] = create, ["delete"] = delete },
            new Dictionary<string, long>(), 1, null, new Dictionary<string, double>(), new Dictionary<string, double>(),
            null, null, null, null, delete, 0, null);
        return new SizeResult(nodes, variant, "coordinator", 0, new Dictionary<string, double>(), [], [phase], [], null, null, null);
    }
}
