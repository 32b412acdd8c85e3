using System.Text.Json;
using System.Text.Json.Nodes;
using Server = ClusterGroups.Api;
using Caller = ClusterGroups.Client;

namespace ClusterGroups.UnitTests.Client;

// The client reads the Api's views (groups, cluster, consistency, reconcile) with types of its own, so that its package
// does not carry the Api. Each Api view, every member set, must come back member for member from the client's type:
// a member the Api adds or renames fails here, not in a caller's program.
public class ClientWireTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly DateTimeOffset At = new(2026, 12, 4, 10, 15, 30, TimeSpan.Zero);

    private static readonly Server.Cluster.DivergentGroup Divergent = new("g1", ["node1"], ["node2"],
        new Server.Cluster.LastOperation("op-1", OperationKind.Create, Outcome.PendingRepair, At), new Server.Model.DesiredGroup(true, "op-0"));

    public static TheoryData<object, Type> Views() => new()
    {
        { new Server.Cluster.GroupView("g1", false, ["node1"], ["node2"], ["node3"]), typeof(Caller.GroupView) },
        { new Server.Cluster.GroupListView(false, [new Server.Cluster.GroupEntry("g1", ["node1"], ["node2"])], ["node3"], "17"), typeof(Caller.GroupListView) },
        { new Server.Cluster.ClusterView(2, 1, [new Server.Cluster.NodeStatus("node1", "http://node1/", true, 1.5, 42, true, null),
            new Server.Cluster.NodeStatus("node2", "http://node2/", false, 0.5, null, false, "refused")]), typeof(Caller.ClusterView) },
        { new Server.Cluster.ConsistencyReport(false, At, ["node1", "node2"], ["node3"], [Divergent],
            new Dictionary<string, long> { ["node1"] = 5, ["node2"] = 4 }, 3, new Dictionary<string, string> { ["node2"] = "digest stale" }),
            typeof(Caller.ConsistencyReport) },
        { new Server.Reconciliation.ReconcileReport([new Server.Reconciliation.Repair("g2", "created", ["node2"], "its last operation committed", "op-2", "Committed")],
            [Divergent], [Divergent with { GroupId = "g3" }], false), typeof(Caller.ReconcileReport) },
    };

    [Theory]
    [MemberData(nameof(Views))]
    public void The_clients_type_reads_every_member_the_api_writes(object view, Type clientType)
    {
        var written = JsonSerializer.SerializeToNode(view, view.GetType(), Web)!;

        var read = JsonSerializer.Deserialize(written.ToJsonString(), clientType, Web);
        var again = JsonSerializer.SerializeToNode(read, clientType, Web)!;

        Assert.True(JsonNode.DeepEquals(written, again), $"the Api wrote\n{written}\nthe client kept\n{again}");
    }
}
