using static ClusterGroups.Contracts.Operations.NodeEffect;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// How the protocol speaks to a node is chosen once per node (docs/ARCHITECTURE.md, "Node dialects"): as configured,
// else by a probe (GET /) the first time an operation needs it, and journaled per node with the operation.
public sealed class FanOutDialectTests
{
    [Fact]
    public async Task A_node_is_probed_once_and_its_dialect_is_journaled_with_each_operation()
    {
        await using var h = FanOutHarness.Start(2, ignoringIdempotency: 1);

        var first = await h.CreateAsync("g1");
        var second = await h.CreateAsync("g2");

        HasOutcome(first, Outcome.Committed);
        Assert.Equal(["keyed", "seed"], first.Nodes.Select(n => n.Dialect));
        Assert.Equal(["keyed", "seed"], second.Nodes.Select(n => n.Dialect));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Single(Calls(first, i, Phase.Probe)));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Empty(Calls(second, i, Phase.Probe)));
        Assert.All(h.Cluster.Nodes, n => Assert.Single(n.Requests, r => r.Method == HttpMethod.Get && r.Path == "/"));
        // Only the seed-like node is read before the write.
        Assert.Empty(Calls(first, 0, Phase.ReadBefore));
        Assert.Single(Calls(first, 1, Phase.ReadBefore));
    }

    [Fact]
    public async Task A_configured_dialect_is_spoken_without_a_probe()
    {
        await using var h = FanOutHarness.Start(2, [], new Dictionary<string, string?> { ["Cluster:Dialects:n1.test"] = "seed" });

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        Assert.Equal(["seed", "keyed"], report.Nodes.Select(n => n.Dialect));
        Assert.Empty(Calls(report, 0, Phase.Probe));
        Assert.Single(Calls(report, 0, Phase.ReadBefore));
        Assert.DoesNotContain(h[0].Requests, r => r.Path == "/");
    }

    [Fact]
    public async Task A_node_whose_probe_gets_no_answer_is_not_written_and_is_probed_again_next_time()
    {
        await using var h = FanOutHarness.Start(3);
        h[2].GoDown();

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.RolledBack);
        HasEffects(report, Applied, Applied, NotApplied);
        Assert.Null(report.Nodes[2].Dialect);
        Assert.Single(Calls(report, 2, Phase.Probe));
        Assert.Empty(h[2].RequestsOf(HttpMethod.Post));
        Nowhere(h.Cluster, "g1");

        h[2].ComeUp();
        var again = await h.CreateAsync("g1");
        HasOutcome(again, Outcome.Committed);
        Assert.Equal("keyed", again.Nodes[2].Dialect);
        Everywhere(h.Cluster, "g1");
    }

    [Fact]
    public async Task An_unknown_dialect_in_the_settings_stops_the_start()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
        {
            await using var h = FanOutHarness.Start(1, [], new Dictionary<string, string?> { ["Cluster:Dialects:n1.test"] = "flask" });
            await h.CreateAsync("g1");
        });
        Assert.Contains("Cluster:Dialects", error.Message, StringComparison.Ordinal);
    }
}
