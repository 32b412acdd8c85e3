using System.Net.Sockets;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Cli;
using ExitCode = ClusterGroups.Cli.ExitCode;

using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.UnitTests.Cli;

// Every answer of the Api to a create/delete, as exit code and output (scripted Api, real report shapes).
public class CliOutcomeTests
{
    private static readonly HttpMethod Post = HttpMethod.Post;

    [Fact]
    public async Task Committed_create_exits_0_with_the_summary()
    {
        var api = new FakeApi().On(Post, "/v1/group/", 201, FakeApi.Report("g1", Outcome.Committed));

        var run = await CliRunner.RunAsync(api, "create", "g1");

        Assert.True(run.Code == ExitCode.Committed, run.ToString());
        Assert.Contains("committed create 'g1': created on 3 of 3 nodes (op-0123, 12.5 ms)", run.Out);
        Assert.Empty(run.Error);
        Assert.DoesNotContain("node2", run.Out); // the per-node report only with --verbose
    }

    [Fact]
    public async Task Committed_delete_exits_0()
    {
        var api = new FakeApi().On(HttpMethod.Delete, "/v1/group/", 200,
            FakeApi.Report("g1", Outcome.Committed, OperationKind.Delete, "deleted on 3 of 3 nodes"));

        var run = await CliRunner.RunAsync(api, "delete", "g1");

        Assert.True(run.Code == ExitCode.Committed, run.ToString());
        Assert.Contains("committed delete 'g1': deleted on 3 of 3 nodes", run.Out);
    }

    [Theory]
    [InlineData("create", 409)]
    [InlineData("delete", 404)]
    public async Task Already_so_exits_3(string command, int status)
    {
        var kind = command == "create" ? OperationKind.Create : OperationKind.Delete;
        var report = FakeApi.Report("g1", Outcome.AlreadySo, kind, "already present on all 3 nodes; nothing changed");
        var api = new FakeApi().On(command == "create" ? Post : HttpMethod.Delete, "/v1/group/", status,
            FakeApi.Problem(report, status, "already"), "application/problem+json");

        var run = await CliRunner.RunAsync(api, command, "g1");

        Assert.True(run.Code == ExitCode.AlreadySo, run.ToString());
        Assert.Contains($"already so {command} 'g1': already present on all 3 nodes; nothing changed", run.Out);
    }

    [Fact]
    public async Task Rolled_back_exits_4_and_says_it_is_safe_to_send_again()
    {
        var api = new FakeApi().On(Post, "/v1/group/", 503, FakeApi.Problem(RolledBackReport(), 503, "rolled back"), "application/problem+json");

        var run = await CliRunner.RunAsync(api, "create", "g1");

        Assert.True(run.Code == ExitCode.RolledBack, run.ToString());
        Assert.Contains("rolled back create 'g1': failed on node3; undone on node1, node2", run.Out);
        Assert.Contains("Nothing changed; it is safe to send again.", run.Out);
    }

    [Fact]
    public async Task Verbose_shows_per_node_effect_compensation_and_every_call()
    {
        var api = new FakeApi().On(Post, "/v1/group/", 503, FakeApi.Problem(RolledBackReport(), 503, "rolled back"), "application/problem+json");

        var run = await CliRunner.RunAsync(api, "create", "g1", "--verbose");

        Assert.True(run.Code == ExitCode.RolledBack, run.ToString());
        foreach (var header in new[] { "Node", "Effect", "Action", "Compensation", "Calls" })
        {
            Assert.Contains(header, run.Out);
        }

        var node1 = Line(run.Out, "node1");
        Assert.Contains("Applied", node1);
        Assert.Contains("Undone", node1);
        Assert.Contains("apply #1 create: 201, 3.1 ms", node1);
        Assert.Contains("compensate #2 delete: 200, 2 ms", run.Out);
        var node3 = Line(run.Out, "node3");
        Assert.Contains("NotApplied", node3);
        Assert.Contains("apply #1 create: ConnectionRefused (connection refused), 0.4 ms", node3);
    }

    [Fact]
    public async Task Group_busy_503_without_a_report_counts_as_nothing_done_exit_4()
    {
        var api = new FakeApi().On(Post, "/v1/group/", 503,
            FakeApi.PlainProblem(503, "Group busy", "Another operation on 'g1' did not finish in time; nothing was done. Send again."),
            "application/problem+json");

        var run = await CliRunner.RunAsync(api, "create", "g1");

        Assert.True(run.Code == ExitCode.RolledBack, run.ToString());
        Assert.Contains("Another operation on 'g1' did not finish in time", run.Out);
    }

    [Theory]
    [InlineData(504, """{"type":"about:blank","title":"Deadline passed","status":504,"detail":"The request's deadline passed before it could start; nothing was done."}""",
        ExitCode.RolledBack, "The request's deadline passed before it could start; nothing was done")]
    [InlineData(409, """{"type":"about:blank","title":"In progress","status":409,"detail":"running","operationId":"op-7","outcome":"Running"}""",
        ExitCode.PendingRepair, "an earlier copy of this request is still running; follow it with: groups op op-7")]
    public async Task Idempotency_and_deadline_refusals_are_outcomes_the_operator_can_act_on(int status, string body, ExitCode expected, string sentence)
    {
        var api = new FakeApi().On(Post, "/v1/group/", status, body, "application/problem+json");

        var run = await CliRunner.RunAsync(api, "create", "g1");

        Assert.True(run.Code == expected, run.ToString());
        Assert.Contains(sentence, run.Out);
    }

    [Fact]
    public async Task Pending_repair_exits_5_and_tells_how_to_follow_it()
    {
        var report = FakeApi.Report("g1", Outcome.PendingRepair, summary:
            "failed, and the rollback on node1 could not be finished yet; the Api retries it until it is",
            nodes: [FakeApi.Node("node1", NodeEffect.Applied, CompensationState.Pending), FakeApi.Node("node2", NodeEffect.NotApplied)]);
        var api = new FakeApi().On(Post, "/v1/group/", 202, report);

        var run = await CliRunner.RunAsync(api, "create", "g1");

        Assert.True(run.Code == ExitCode.PendingRepair, run.ToString());
        Assert.Contains("pending repair create 'g1': failed, and the rollback on node1 could not be finished yet", run.Out);
        Assert.Contains("follow it with: groups op op-0123", run.Out);
    }

    [Fact]
    public async Task Abandoned_exits_10_and_never_says_the_api_finishes_it()
    {
        var report = FakeApi.Report("g1", Outcome.Abandoned, summary:
            "abandoned by bob (node1 replaced); the rollback on node1 was given up: the nodes may differ until reconciled",
            nodes: [FakeApi.Node("node1", NodeEffect.Applied, CompensationState.Pending), FakeApi.Node("node2", NodeEffect.NotApplied)]);
        var api = new FakeApi().On(Post, "/v1/group/", 502,
            FakeApi.Problem(report, 502, "The operation failed and an operator gave up its repair; the nodes may differ"), "application/problem+json");

        var run = await CliRunner.RunAsync(api, "create", "g1");

        Assert.True(run.Code == ExitCode.Abandoned && (int)run.Code == 10, run.ToString());
        Assert.Contains("abandoned create 'g1': abandoned by bob", run.Out);
        Assert.DoesNotContain("finishes the rollback by itself", run.Out);
        Assert.Contains("Nobody finishes it", run.Out);
    }

    [Theory]
    [InlineData(400, ExitCode.Usage, "The Api refused the input: groupId is invalid")]
    [InlineData(401, ExitCode.Unauthorized, "The Api wants a key (401 Unauthorized); pass --key or set CLUSTERGROUPS_KEY.")]
    [InlineData(403, ExitCode.Unauthorized, "The Api wants a key (403 Forbidden)")]
    [InlineData(500, ExitCode.ApiError, "The Api answered POST /v1/group/ with 500 InternalServerError: groupId is invalid")]
    public async Task Other_answers_are_one_sentence_on_the_error_output(int status, ExitCode expected, string sentence)
    {
        var api = new FakeApi().On(Post, "/v1/group/", status,
            FakeApi.PlainProblem(status, "Bad request", "groupId is invalid: 1-128 characters."), "application/problem+json");

        var run = await CliRunner.RunAsync(api, "create", "bad/id");

        Assert.True(run.Code == expected, run.ToString());
        Assert.Contains(sentence, run.Error);
        Assert.Single(run.Error.Trim().Split('\n'));
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task A_refused_key_is_named_as_such()
    {
        var api = new FakeApi().On(Post, "/v1/group/", 401, "");

        var run = await CliRunner.RunAsync(api, "create", "g1", "--key", "wrong");

        Assert.True(run.Code == ExitCode.Unauthorized, run.ToString());
        Assert.Contains("The Api refused the key (401 Unauthorized); check --key or CLUSTERGROUPS_KEY.", run.Error);
    }

    [Fact]
    public async Task An_unreachable_api_exits_6_with_one_sentence_and_the_detail_only_with_verbose()
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (localhost:5080)",
            new SocketException((int)SocketError.ConnectionRefused));
        var api = new FakeApi().Throw(Post, "/v1/group/", refused);

        var run = await CliRunner.RunAsync(api, "create", "g1");
        var verbose = await CliRunner.RunAsync(api, "create", "g1", "-v");

        Assert.True(run.Code == ExitCode.Unreachable, run.ToString());
        Assert.Equal("error: Cannot reach the Api at http://localhost:5080/: connection refused.", run.Error.Trim());
        Assert.Contains("Connection refused (localhost:5080)", verbose.Error);
        Assert.DoesNotContain("   at ", verbose.Error);
    }

    [Fact]
    public async Task An_answer_that_is_not_the_apis_json_is_an_api_error()
    {
        var api = new FakeApi().On(HttpMethod.Get, "/v1/groups", 200, "<html>hello</html>", "text/html");

        var run = await CliRunner.RunAsync(api, "list");

        Assert.True(run.Code == ExitCode.ApiError, run.ToString());
        Assert.Contains("is not the JSON the ClusterGroups Api sends", run.Error);
    }

    [Fact]
    public async Task Json_passes_the_apis_answer_through()
    {
        var body = FakeApi.Problem(RolledBackReport(), 503, "rolled back");
        var api = new FakeApi().On(Post, "/v1/group/", 503, body, "application/problem+json");

        var run = await CliRunner.RunAsync(api, "create", "g1", "--json");

        Assert.True(run.Code == ExitCode.RolledBack, run.ToString());
        Assert.Equal(body, run.Out.Trim());
        Assert.Equal("RolledBack", run.Json()["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Json_without_an_answer_is_an_error_object()
    {
        var api = new FakeApi().Throw(Post, "/v1/group/", new HttpRequestException("Name or service not known", null));

        var run = await CliRunner.RunAsync(api, "create", "g1", "--json");

        Assert.True(run.Code == ExitCode.Unreachable, run.ToString());
        Assert.Equal(6, run.Json()["exitCode"]!.GetValue<int>());
        Assert.Equal("Unreachable", run.Json()["outcome"]!.GetValue<string>());
        Assert.StartsWith("Cannot reach the Api", run.Json()["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Json_of_an_answer_without_a_body_is_an_error_object()
    {
        var api = new FakeApi().On(Post, "/v1/group/", 401, "");

        var run = await CliRunner.RunAsync(api, "create", "g1", "--json", "--key", "k");

        Assert.True(run.Code == ExitCode.Unauthorized, run.ToString());
        Assert.Equal(7, run.Json()["exitCode"]!.GetValue<int>());
        Assert.Contains("refused the key", run.Json()["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_batch_exits_with_the_worst_code_and_summarizes()
    {
        var api = new BatchApi();

        var run = await CliRunner.RunAsync(api, "create", "ok-1", "ok-2", "exists-1", "fail-1");

        Assert.True(run.Code == ExitCode.RolledBack, run.ToString());
        Assert.Matches(@"committed\s*│\s*2\s*│\s*0", run.Out);
        Assert.Matches(@"already so\s*│\s*1\s*│\s*3", run.Out);
        Assert.Matches(@"rolled back\s*│\s*1\s*│\s*4", run.Out);
        Assert.Contains("fail-1", run.Out);
        Assert.DoesNotContain("ok-1", run.Out); // committed ids are listed only with --verbose
        Assert.Contains("create of 4 groups: exit code 4 (rolled back), the worst outcome seen.", run.Out);
    }

    [Fact]
    public async Task A_batch_in_json_is_a_summary_with_every_answer()
    {
        var run = await CliRunner.RunAsync(new BatchApi(), "create", "ok-1", "exists-1", "fail-1", "--json");

        Assert.True(run.Code == ExitCode.RolledBack, run.ToString());
        var json = run.Json();
        Assert.Equal(3, json["total"]!.GetValue<int>());
        Assert.Equal(4, json["exitCode"]!.GetValue<int>());
        Assert.Equal(1, json["counts"]!["AlreadySo"]!.GetValue<int>());
        var results = json["results"]!.AsArray();
        Assert.Equal(["ok-1", "exists-1", "fail-1"], results.Select(r => r!["groupId"]!.GetValue<string>()));
        Assert.Equal([0, 3, 4], results.Select(r => r!["exitCode"]!.GetValue<int>()));
        Assert.Equal([201, 409, 503], results.Select(r => r!["status"]!.GetValue<int>()));
        Assert.Equal("RolledBack", results[2]!["answer"]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_batch_stops_sending_once_the_api_is_unreachable()
    {
        var api = new FakeApi().Throw(Post, "/v1/group/", new HttpRequestException(HttpRequestError.ConnectionError, "refused"));

        var run = await CliRunner.RunAsync(api, "create", "a", "b", "c", "d", "e", "--parallel", "1", "--json");

        Assert.True(run.Code == ExitCode.Unreachable, run.ToString());
        Assert.Single(api.Received);
        Assert.All(run.Json()["results"]!.AsArray(), r => Assert.Equal(6, r!["exitCode"]!.GetValue<int>()));
    }

    private static string RolledBackReport() =>
        FakeApi.Report("g1", Outcome.RolledBack, summary: "failed on node3; undone on node1, node2", nodes:
        [
            FakeApi.Node("node1", NodeEffect.Applied, CompensationState.Undone, "created",
                (Phase.Apply, new CallAnswer("create", 201, null, null, 3.1)), (Phase.Compensate, new CallAnswer("delete", 200, null, null, 2))),
            FakeApi.Node("node2", NodeEffect.Applied, CompensationState.Undone, "created",
                (Phase.Apply, new CallAnswer("create", 201, null, null, 3.1)), (Phase.Compensate, new CallAnswer("delete", 200, null, null, 2))),
            FakeApi.Node("node3", NodeEffect.NotApplied, CompensationState.NotNeeded, "not created: connection refused",
                (Phase.Apply, new CallAnswer("create", null, CallError.ConnectionRefused, "connection refused", 0.4))),
        ]);

    private static string Line(string output, string containing) =>
        output.Split('\n').First(l => l.StartsWith($"│ {containing} ", StringComparison.Ordinal));

    // Answers by the id's prefix: ok- committed, exists- already so, fail- rolled back.
    private sealed class BatchApi : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var id = System.Text.Json.JsonDocument.Parse(await request.Content!.ReadAsStringAsync(ct)).RootElement.GetProperty("groupId").GetString()!;
            var (status, body) = id.Split('-')[0] switch
            {
                "ok" => (201, FakeApi.Report(id, Outcome.Committed)),
                "exists" => (409, FakeApi.Problem(FakeApi.Report(id, Outcome.AlreadySo, summary: "already present"), 409, "exists")),
                _ => (503, FakeApi.Problem(FakeApi.Report(id, Outcome.RolledBack, summary: "failed on node3"), 503, "rolled back")),
            };
            return new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body) };
        }
    }
}
