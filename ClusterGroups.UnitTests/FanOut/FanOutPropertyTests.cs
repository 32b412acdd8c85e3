using ClusterGroups.Api.Model;
using ClusterGroups.Api.FanOut;
using CsCheck;
using Xunit.Abstractions;

namespace ClusterGroups.UnitTests.FanOut;

// Random clusters, random faults per request, random create/delete sequences: after every operation each group is
// on every node or on none (after recovery when the operation was left pending), and the outcome tells the truth
// about the nodes: committed = desired everywhere, already so and rolled back = every node exactly as before.
public sealed class FanOutPropertyTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> FastAttempts = new()
    {
        ["Cluster:Resilience:AttemptTimeout"] = "00:00:00.100",
    };

    [Fact]
    public async Task Every_operation_leaves_each_group_on_all_nodes_or_none_and_its_outcome_matches_the_nodes() =>
        await Scenario.Generator.SampleAsync(RunAsync, output.WriteLine, iter: 80, threads: 4, print: s => s.ToString())
            .WaitAsync(TimeSpan.FromMinutes(2));

    private static async Task RunAsync(Scenario scenario)
    {
        await using var h = FanOutHarness.Start(scenario.NodeCount, scenario.IgnoringNodes, FastAttempts);
        foreach (var node in h.Cluster.Nodes)
        {
            node.Seed(scenario.Seeded);
        }

        for (var index = 0; index < scenario.Steps.Length; index++)
        {
            var step = scenario.Steps[index];
            h.Cluster.ClearScripts();
            var before = h.Cluster.Nodes.Select(n => n.Groups).ToArray();
            for (var i = 0; i < scenario.NodeCount; i++)
            {
                h[i].Script(step.Faults[i]);
            }

            var report = await h.RunAsync(step.Kind, step.GroupId);
            var context = $"step {index} ({step with { Faults = step.Faults[..scenario.NodeCount] }}):\n{ReportAssert.Describe(report)}";
            if (report.Outcome == Outcome.PendingRepair)
            {
                Assert.Contains(report.Nodes, n => n.Compensation == CompensationState.Pending);
                h.Cluster.ClearScripts();
                report = await h.RecoverAsync(report.Id);
                context += $"\nafter recovery:\n{ReportAssert.Describe(report)}";
                Assert.True(report.Outcome == Outcome.RolledBack, context);
            }

            AssertOutcomeMatchesNodes(h.Cluster, step, before, report, context);
        }
    }

    private static void AssertOutcomeMatchesNodes(
        FakeCluster cluster, ScenarioStep step, IReadOnlySet<string>[] before, OperationState report, string context)
    {
        var desired = step.Kind == OperationKind.Create;
        var was = before.Select(groups => groups.Contains(step.GroupId)).ToArray();
        var now = cluster.Presence(step.GroupId);

        switch (report.Outcome)
        {
            case Outcome.Committed:
                Assert.True(now.All(p => p == desired), $"committed but not {(desired ? "on all" : "on none")}; {context}");
                Assert.True(report.Nodes.Select(n => n.Effect).SequenceEqual(
                    was.Select(w => w == desired ? NodeEffect.AlreadySo : NodeEffect.Applied)), $"effects do not match; {context}");
                break;
            case Outcome.AlreadySo:
                Assert.True(was.All(p => p == desired) && now.SequenceEqual(was), $"already so, yet changed; {context}");
                break;
            case Outcome.RolledBack:
                Assert.True(now.SequenceEqual(was), $"rolled back, yet not as before; {context}");
                Assert.DoesNotContain(report.Nodes, n => n.Compensation == CompensationState.Pending);
                Assert.All(report.Nodes.Where(n => n.Compensation == CompensationState.Undone),
                    n => Assert.Equal(NodeEffect.Applied, n.Effect));
                break;
            default:
                Assert.Fail($"unexpected outcome {report.Outcome}; {context}");
                break;
        }

        // Every group is on all nodes or on none, and the other groups were not touched.
        foreach (var id in Scenario.Ids)
        {
            var presence = cluster.Presence(id);
            Assert.True(presence.All(p => p) || presence.All(p => !p), $"{id} on some nodes only; {context}");
        }

        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            Assert.True(before[i].Except([step.GroupId]).ToHashSet().SetEquals(cluster[i].Groups.Except([step.GroupId])),
                $"{cluster[i].Name}: another group changed; {context}");
        }
    }
}
