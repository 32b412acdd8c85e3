using ClusterGroups.Api.Cluster;

namespace ClusterGroups.UnitTests.FanOut;

// Nodes that keep no digest (the seed's, scripted by FakeNode: it answers GET /v1/digest with an error and ignores
// paging parameters) are listed instead, and their digests computed by the Api: the report is the same.
public sealed class ConsistencyFallbackTests
{
    [Fact]
    public async Task Nodes_without_digests_are_listed_and_only_the_divergent_groups_reported()
    {
        await using var h = FanOutHarness.Start(3, ignoringIdempotency: [2]);
        var everywhere = Enumerable.Range(0, 200).Select(i => $"g{i}").ToArray();
        foreach (var node in h.Cluster.Nodes)
        {
            node.Seed(everywhere);
        }

        h[0].Seed("only-on-n1");
        h[2].Seed("only-on-n3");

        using var cts = new CancellationTokenSource(FanOutHarness.OperationTimeout);
        var report = await h.Get<ConsistencyCheck>().RunAsync(cts.Token).WaitAsync(FanOutHarness.OperationTimeout);

        Assert.Empty(report.Unreachable);
        Assert.Equal(["only-on-n1", "only-on-n3"], report.Divergent.Select(d => d.GroupId));
        Assert.Equal(["n2.test", "n3.test"], report.Divergent[0].MissingOn);
        Assert.Equal(201, report.Counts!["n1.test"]);
        Assert.Equal(200, report.Counts["n2.test"]);
        Assert.InRange(report.DifferingBuckets, 1, 2);
    }
}
