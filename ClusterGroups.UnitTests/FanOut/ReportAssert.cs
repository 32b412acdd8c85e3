using ClusterGroups.Api.Model;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Nodes;

namespace ClusterGroups.UnitTests.FanOut;

// Assertions on an operation's report and on the fake nodes, with messages that show the whole report.
public static class ReportAssert
{
    public static void HasOutcome(OperationState report, Outcome expected) =>
        Assert.True(report.Outcome == expected, $"expected {expected}, got {report.Outcome}\n{Describe(report)}");

    public static void HasEffects(OperationState report, params NodeEffect[] expected) =>
        Assert.True(report.Nodes.Select(n => n.Effect).SequenceEqual(expected),
            $"effects: expected [{string.Join(", ", expected)}]\n{Describe(report)}");

    public static void HasCompensations(OperationState report, params CompensationState[] expected) =>
        Assert.True(report.Nodes.Select(n => n.Compensation).SequenceEqual(expected),
            $"compensations: expected [{string.Join(", ", expected)}]\n{Describe(report)}");

    public static void NothingToUndo(OperationState report) =>
        Assert.True(report.Nodes.All(n => n.Compensation == CompensationState.NotNeeded), $"nothing should be undone\n{Describe(report)}");

    // Where the group is now, node by node.
    public static void Presence(FakeCluster cluster, string groupId, params bool[] expected)
    {
        var actual = cluster.Presence(groupId);
        Assert.True(actual.SequenceEqual(expected),
            $"{groupId}: expected on [{string.Join(", ", expected)}], is on [{string.Join(", ", actual)}]");
    }

    public static void Everywhere(FakeCluster cluster, string groupId) =>
        Presence(cluster, groupId, [.. cluster.Nodes.Select(_ => true)]);

    public static void Nowhere(FakeCluster cluster, string groupId) =>
        Presence(cluster, groupId, [.. cluster.Nodes.Select(_ => false)]);

    // The calls of one phase on one node, as the report recorded them.
    public static IReadOnlyList<NodeCall> Calls(OperationState report, int node, Phase phase) =>
        [.. report.Nodes[node].Calls.Where(c => c.Phase == phase).Select(c => c.Call)];

    public static string Describe(OperationState report) =>
        $"{report.Kind} {report.GroupId}: {report.Outcome} ({OperationNarrative.Summary(report)})\n" + string.Join("\n", report.Nodes.Select(n =>
            $"  {n.Name}: {n.Effect}/{n.Compensation} {OperationNarrative.Action(report.Kind, n)} | "
            + string.Join("; ", n.Calls.Select(c => $"{c.Phase}#{c.Attempt} {c.Call}"))));
}
