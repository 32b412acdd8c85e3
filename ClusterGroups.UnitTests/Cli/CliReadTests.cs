using ClusterGroups.Api.FanOut;
using ClusterGroups.Cli;
using ExitCode = ClusterGroups.Cli.ExitCode;

using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.UnitTests.Cli;

// get, list, ops, op, status, reconcile against a scripted Api: what they print and how they exit.
public class CliReadTests
{
    private static readonly HttpMethod Get = HttpMethod.Get;

    private const string Cluster = """
        {"nodeCount":3,"reachableCount":2,"nodes":[
          {"name":"node1","address":"http://node1/","reachable":true,"latencyMs":1.25,"groupCount":4,"honoursIdempotency":true,"error":null},
          {"name":"node2","address":"http://node2/","reachable":false,"latencyMs":0.5,"groupCount":null,"honoursIdempotency":true,"error":"list -> ConnectionRefused: connection refused"},
          {"name":"node3","address":"http://node3/","reachable":true,"latencyMs":2,"groupCount":3,"honoursIdempotency":false,"error":null}]}
        """;

    private const string Consistency = """
        {"consistent":false,"checkedAt":"2025-01-02T03:04:05+00:00","nodes":["node1","node2","node3"],"unreachable":["node2"],
         "divergent":[
           {"groupId":"orphan","presentOn":["node1"],"missingOn":["node3"],
            "lastOperation":{"operationId":"op-77","kind":"Create","outcome":"PendingRepair","endedAt":"2025-01-02T03:00:00+00:00"}},
           {"groupId":"stray","presentOn":["node3"],"missingOn":["node1"],"lastOperation":null}]}
        """;

    [Fact]
    public async Task Get_shows_where_the_group_is()
    {
        var api = new FakeApi().On(Get, "/v1/group/g1/", 200,
            """{"groupId":"g1","consistent":false,"presentOn":["node1","node2"],"missingOn":["node3"],"unreachable":[]}""");

        var run = await CliRunner.RunAsync(api, "get", "g1");

        Assert.True(run.Code == ExitCode.Committed, run.ToString());
        Assert.Matches(@"node1\s*│\s*present", run.Out);
        Assert.Matches(@"node3\s*│\s*missing", run.Out);
        Assert.Contains("'g1' is not on every node.", run.Out);
    }

    [Fact]
    public async Task Get_of_a_group_on_no_node_exits_9()
    {
        var api = new FakeApi().On(Get, "/v1/group/nope/", 404, FakeApi.PlainProblem(404, "Not found", "'nope' is on no reachable node."));

        var run = await CliRunner.RunAsync(api, "get", "nope");

        Assert.True(run.Code == ExitCode.NotFound, run.ToString());
        Assert.Equal("error: 'nope' is on no reachable node.", run.Error.Trim());
    }

    [Fact]
    public async Task List_shows_each_group_and_where_it_is_missing()
    {
        var api = new FakeApi().On(Get, "/v1/groups", 200, """
            {"consistent":false,"groups":[{"groupId":"a","presentOn":["node1","node3"],"missingOn":[]},
                                          {"groupId":"b","presentOn":["node1"],"missingOn":["node3"]}],"unreachable":["node2"]}
            """);

        var run = await CliRunner.RunAsync(api, "list");

        Assert.True(run.Code == ExitCode.Committed, run.ToString());
        Assert.Matches(@"b\s*│\s*node1\s*│\s*node3", run.Out);
        Assert.Contains("2 groups, 1 of them missing on some node (unreachable: node2).", run.Out);
    }

    [Fact]
    public async Task Ops_lists_operations_and_open_asks_for_open_ones()
    {
        var list = $$"""{"operations":[{{FakeApi.Report("g1", Outcome.PendingRepair, summary: "rollback pending")}}]}""";
        var api = new FakeApi().On(Get, "/v1/operations", 200, list);

        var run = await CliRunner.RunAsync(api, "ops", "--open");

        Assert.True(run.Code == ExitCode.Committed, run.ToString());
        Assert.Equal("/v1/operations?limit=50&state=open", api.Received.Single().Request.RequestUri!.PathAndQuery);
        Assert.Matches(@"op-0123\s*│\s*Create\s*│\s*g1\s*│\s*pending repair", run.Out);
    }

    [Fact]
    public async Task Ops_searches_by_caller()
    {
        var api = new FakeApi().On(Get, "/v1/operations", 200, """{"operations":[]}""");

        var run = await CliRunner.RunAsync(api, "ops", "--caller", "alice", "--outcome", "PendingRepair");

        Assert.True(run.Code == ExitCode.Committed, run.ToString());
        Assert.Equal("/v1/operations?limit=50&outcome=PendingRepair&caller=alice", api.Received.Single().Request.RequestUri!.PathAndQuery);
    }

    [Fact]
    public async Task Ops_says_so_when_there_are_none()
    {
        var api = new FakeApi().On(Get, "/v1/operations", 200, """{"operations":[]}""");

        var run = await CliRunner.RunAsync(api, "ops", "--open");

        Assert.Contains("No open operations.", run.Out);
    }

    [Theory]
    [InlineData(Outcome.Committed, ExitCode.Committed)]
    [InlineData(Outcome.AlreadySo, ExitCode.AlreadySo)]
    [InlineData(Outcome.RolledBack, ExitCode.RolledBack)]
    [InlineData(Outcome.PendingRepair, ExitCode.PendingRepair)]
    [InlineData(Outcome.Abandoned, ExitCode.Abandoned)]
    public async Task Op_shows_the_full_report_and_exits_with_its_outcome(Outcome outcome, ExitCode expected)
    {
        var api = new FakeApi().On(Get, "/v1/operations/op-0123", 200, FakeApi.Report("g1", outcome));

        var run = await CliRunner.RunAsync(api, "op", "op-0123");

        Assert.True(run.Code == expected, run.ToString());
        Assert.Contains("apply #1 create: 201", run.Out); // the per-node report without --verbose
    }

    [Fact]
    public async Task Op_of_an_unknown_id_exits_9()
    {
        var api = new FakeApi().On(Get, "/v1/operations/op-x", 404, FakeApi.PlainProblem(404, "Not found", "No operation 'op-x' is known."));

        var run = await CliRunner.RunAsync(api, "op", "op-x");

        Assert.True(run.Code == ExitCode.NotFound, run.ToString());
        Assert.Contains("The Api knows no operation 'op-x'.", run.Error);
    }

    [Fact]
    public async Task Status_shows_nodes_and_the_divergent_groups_by_node()
    {
        var api = new FakeApi().On(Get, "/v1/cluster", 200, Cluster).On(Get, "/v1/cluster/consistency", 200, Consistency);

        var run = await CliRunner.RunAsync(api, "status");

        Assert.True(run.Code == ExitCode.Committed, run.ToString());
        Assert.Matches(@"node2\s*│\s*Active\s*│\s*http://node2/\s*│\s*no\s", run.Out);
        Assert.Contains("2 of 3 nodes reachable.", run.Out);
        Assert.Matches(@"orphan\s*│\s*present\s*│\s*unreachable\s*│\s*missing\s*│\s*Create PendingRepair .*\(op-77\)", run.Out);
        Assert.Matches(@"stray\s*│\s*missing\s*│\s*unreachable\s*│\s*present\s*│\s*none known", run.Out);
        Assert.Contains("2 groups are not on every node (unreachable: node2)", run.Out);
    }

    [Fact]
    public async Task Status_of_a_consistent_cluster_says_so()
    {
        var api = new FakeApi().On(Get, "/v1/cluster", 200, Cluster).On(Get, "/v1/cluster/consistency", 200,
            """{"consistent":true,"checkedAt":"2025-01-02T03:04:05+00:00","nodes":["node1","node2","node3"],"unreachable":[],"divergent":[]}""");

        var run = await CliRunner.RunAsync(api, "status");

        Assert.Contains("Consistent: every group is on every node", run.Out);
    }

    [Fact]
    public async Task Status_json_holds_both_answers()
    {
        var api = new FakeApi().On(Get, "/v1/cluster", 200, Cluster).On(Get, "/v1/cluster/consistency", 200, Consistency);

        var run = await CliRunner.RunAsync(api, "status", "--json");

        Assert.Equal(3, run.Json()["cluster"]!["nodeCount"]!.GetValue<int>());
        Assert.Equal("orphan", run.Json()["consistency"]!["divergent"]![0]!["groupId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Status_against_an_api_without_the_consistency_report_says_so_in_one_sentence()
    {
        var api = new FakeApi().On(Get, "/v1/cluster", 200, Cluster);

        var run = await CliRunner.RunAsync(api, "status");

        Assert.True(run.Code == ExitCode.ApiError, run.ToString());
        Assert.Contains("2 of 3 nodes reachable.", run.Out);
        Assert.Equal(
            "error: This Api has no consistency report (GET /v1/cluster/consistency answered 404); it needs a newer Api.",
            run.Error.Trim());
    }

    [Fact]
    public async Task Status_json_against_an_api_without_the_consistency_report_is_one_json_document()
    {
        var api = new FakeApi().On(Get, "/v1/cluster", 200, Cluster);

        var run = await CliRunner.RunAsync(api, "status", "--json");

        Assert.True(run.Code == ExitCode.ApiError, run.ToString());
        Assert.Equal(3, run.Json()["cluster"]!["nodeCount"]!.GetValue<int>());
        Assert.Null(run.Json()["consistency"]);
        Assert.Contains("no consistency report", run.Json()["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Reconcile_shows_repairs_and_exits_0_when_consistent()
    {
        var api = new FakeApi().On(HttpMethod.Post, "/v1/cluster/reconcile", 200,
            """{"repaired":[{"groupId":"orphan","action":"finished rollback of op-77: deleted","nodes":["node1"]}],"unexplained":[],"consistent":true}""");

        var run = await CliRunner.RunAsync(api, "reconcile");

        Assert.True(run.Code == ExitCode.Committed, run.ToString());
        Assert.Matches(@"orphan\s*│\s*finished rollback of op-77: deleted\s*│\s*node1", run.Out);
        Assert.Contains("Consistent: every group is on every node (1 repaired).", run.Out);
    }

    [Fact]
    public async Task Reconcile_with_journal_asks_for_the_audit_and_without_it_does_not()
    {
        var api = new FakeApi().On(HttpMethod.Post, "/v1/cluster/reconcile", 200,
            """{"repaired":[{"groupId":"lost","action":"created","nodes":["node1","node2","node3"]}],"unexplained":[],"consistent":true}""");

        var audit = await CliRunner.RunAsync(api, "reconcile", "--journal");
        var plain = await CliRunner.RunAsync(api, "reconcile");

        Assert.True(audit.Code == ExitCode.Committed, audit.ToString());
        Assert.True(plain.Code == ExitCode.Committed, plain.ToString());
        Assert.Equal(["?journal=true", ""], api.Received.Select(r => r.Request.RequestUri!.Query));
        Assert.Matches(@"lost\s*│\s*created\s*│\s*node1, node2, node3", audit.Out);
    }

    [Fact]
    public async Task Reconcile_exits_5_when_divergences_remain()
    {
        var api = new FakeApi().On(HttpMethod.Post, "/v1/cluster/reconcile", 200,
            """{"repaired":[],"unexplained":[{"groupId":"stray","presentOn":["node3"],"missingOn":["node1","node2"]}],"consistent":false}""");

        var run = await CliRunner.RunAsync(api, "reconcile");

        Assert.True(run.Code == ExitCode.PendingRepair, run.ToString());
        Assert.Matches(@"stray\s*│\s*node3\s*│\s*node1, node2", run.Out);
        Assert.Contains("Still not consistent (0 repaired, 1 no operation explains).", run.Out);
    }

    [Fact]
    public async Task Reconcile_against_an_api_without_it_says_so_in_one_sentence()
    {
        var run = await CliRunner.RunAsync(new FakeApi(), "reconcile");

        Assert.True(run.Code == ExitCode.ApiError, run.ToString());
        Assert.Equal("error: This Api cannot reconcile (POST /v1/cluster/reconcile answered 404); it needs a newer Api.", run.Error.Trim());
    }
}
