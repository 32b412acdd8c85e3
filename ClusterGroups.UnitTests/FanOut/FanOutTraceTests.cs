using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using ClusterGroups.Api.FanOut;
using Xunit.Abstractions;

namespace ClusterGroups.UnitTests.FanOut;

// A failed-and-rolled-back create reads as a story in the trace: the operation's span, under it one span per node
// step (apply, compensate) and per call, with the outcome, the node, and the error of the call that failed.
public sealed class FanOutTraceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_rolled_back_create_is_one_span_tree_with_every_node_step_and_call()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == FanOutTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        await using var h = FanOutHarness.Start(3);
        await h.CreateAsync("warm-up");
        spans.Clear();
        h[2].GoDown();

        var report = await h.CreateAsync("g1");

        Assert.Equal(Outcome.RolledBack, report.Outcome);
        var root = Assert.Single(spans, s => s.DisplayName == "create g1");
        Assert.Equal("RolledBack", root.GetTagItem("clustergroups.outcome"));
        Assert.Equal(ActivityStatusCode.Error, root.Status);
        var tree = spans.Where(s => s.TraceId == root.TraceId).ToList();
        Assert.Contains(tree, s => s.DisplayName == "apply n3.test");
        Assert.Contains(tree, s => s.DisplayName == "compensate n1.test" && (string?)s.GetTagItem("clustergroups.compensation") == "Undone");
        Assert.Contains(tree, s => s.DisplayName == "compensate #1 n2.test" && s.ParentSpanId != root.SpanId);
        Assert.Contains(tree, s => s.DisplayName.StartsWith("apply #", StringComparison.Ordinal)
                                   && s.DisplayName.EndsWith("n3.test", StringComparison.Ordinal)
                                   && (string?)s.GetTagItem("clustergroups.call.error") == "ConnectionRefused");

        output.WriteLine(Render(tree, root, 0));
    }

    private static string Render(List<Activity> tree, Activity span, int depth)
    {
        var text = new StringBuilder();
        var tags = string.Join(" ", span.TagObjects.Where(t => t.Key.StartsWith("clustergroups.", StringComparison.Ordinal) || t.Key.StartsWith("http.", StringComparison.Ordinal))
            .Select(t => $"{t.Key.Replace("clustergroups.", "")}={t.Value}"));
        text.AppendLine($"{new string(' ', depth * 2)}{span.DisplayName} [{span.Duration.TotalMilliseconds:0.0} ms] {tags}");
        foreach (var child in tree.Where(s => s.ParentSpanId == span.SpanId).OrderBy(s => s.StartTimeUtc))
        {
            text.Append(Render(tree, child, depth + 1));
        }

        return text.ToString();
    }
}
