using ClusterGroups.Api.FanOut;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// Latency (docs/ARCHITECTURE.md, "What goes wrong with naive compensation", row 7) without timed asserts: slow nodes
// are called at the same time, which the fake nodes' own records of when each request started and ended show.
// Operations on one groupId never overlap; on two they do.
public sealed class FanOutParallelismTests
{
    private static readonly Dictionary<string, string?> PatientAttempts = new()
    {
        ["Cluster:Resilience:AttemptTimeout"] = "00:00:05",
    };

    [Fact]
    public async Task Slow_nodes_are_written_at_the_same_time()
    {
        await using var h = await WarmAsync(FanOutHarness.Start(3, [], PatientAttempts));
        h.Cluster.Nodes.ToList().ForEach(n => n.Script(Fault.Slow(300, HttpMethod.Post)));

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.Committed);
        Everywhere(h.Cluster, "g1");
        AssertOverlap([.. h.Cluster.Nodes.Select(n => Assert.Single(Of(n, HttpMethod.Post, "g1")))]);
    }

    [Fact]
    public async Task Slow_rollbacks_run_at_the_same_time()
    {
        await using var h = await WarmAsync(FanOutHarness.Start(4, [], PatientAttempts));
        h[3].GoDown();
        h.Cluster.Nodes.Take(3).ToList().ForEach(n => n.Script(Fault.Slow(300, HttpMethod.Delete)));

        var report = await h.CreateAsync("g1");

        HasOutcome(report, Outcome.RolledBack);
        Nowhere(h.Cluster, "g1");
        AssertOverlap([.. h.Cluster.Nodes.Take(3).Select(n => Assert.Single(Of(n, HttpMethod.Delete, "g1")))]);
    }

    [Fact]
    public async Task Operations_on_two_groups_overlap_and_on_one_group_do_not()
    {
        await using var h = await WarmAsync(FanOutHarness.Start(3, [], PatientAttempts));
        h.Cluster.Nodes.ToList().ForEach(n => n.Script(Fault.Slow(300, HttpMethod.Post), 4));

        var two = await Task.WhenAll(h.CreateAsync("a"), h.CreateAsync("b"));
        var one = await Task.WhenAll(h.CreateAsync("c"), h.CreateAsync("c"));

        Assert.All(two, r => HasOutcome(r, Outcome.Committed));
        Assert.Equal([Outcome.Committed, Outcome.AlreadySo], one.Select(r => r.Outcome).Order());
        foreach (var node in h.Cluster.Nodes)
        {
            var posts = node.RequestsOf(HttpMethod.Post).Where(r => r.GroupId != "warm-up").ToList();
            AssertOverlap([.. posts.Where(r => r.GroupId is "a" or "b")]);
            var c = posts.Where(r => r.GroupId == "c").ToArray();
            Assert.Equal(2, c.Length);
            Assert.True(c[0].End <= c[1].Start, $"{node.Name}: the two operations on one group overlapped");
        }
    }

    // One create and one delete first, so the measured operation does not run into first-call JIT compilation: in a
    // cold test process on 2 busy cores, the first rollback's DELETE path compiled for ~0.5 s while the other two
    // node calls waited on it (seen in a clean-clone CI run), which is not what these tests are about.
    private static async Task<FanOutHarness> WarmAsync(FanOutHarness h)
    {
        HasOutcome(await h.CreateAsync("warm-up"), Outcome.Committed);
        HasOutcome(await h.DeleteAsync("warm-up"), Outcome.Committed);
        return h;
    }

    private static IEnumerable<FakeRequest> Of(FakeNode node, HttpMethod method, string groupId) =>
        node.RequestsOf(method).Where(r => r.GroupId == groupId);

    // Every request started before any of them ended: they were in flight together.
    private static void AssertOverlap(IReadOnlyList<FakeRequest> requests)
    {
        Assert.True(requests.Count > 1);
        var lastStart = requests.Max(r => r.Start);
        var firstEnd = requests.Min(r => r.End);
        Assert.True(lastStart < firstEnd,
            $"requests did not overlap: {string.Join(", ", requests.Select(r => $"{r.Method} {r.GroupId} [{r.Start}..{r.End}]"))}");
    }
}
