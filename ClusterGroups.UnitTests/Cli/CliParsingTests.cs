using ClusterGroups.Cli;

using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.UnitTests.Cli;

// The command line: ids in both forms, files, options, usage errors, help. No Api involved (a scripted one at most).
public class CliParsingTests
{
    [Theory]
    [InlineData("1", "1")]
    [InlineData("{\"groupId\": \"1\"}", "1")]
    [InlineData("  {\"groupId\":\"team-a\"}  ", "team-a")]
    [InlineData("{\"groupId\": \"x\", \"other\": 1}", "x")]
    public void An_id_is_plain_or_the_seeds_json_form(string argument, string expected) =>
        Assert.Equal(expected, GroupIdInput.Parse(argument));

    [Theory]
    [InlineData("{\"groupId\": 1}")]
    [InlineData("{\"id\": \"1\"}")]
    [InlineData("{not json")]
    public void A_json_argument_without_a_string_groupId_is_a_usage_error(string argument)
    {
        var e = Assert.Throws<CliException>(() => GroupIdInput.Parse(argument));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("groupId", e.Message);
    }

    [Fact]
    public void A_file_holds_one_id_a_line_and_skips_blanks_and_comments() =>
        Assert.Equal(["a", "b", "c"], GroupIdInput.FromLines(["a", "", "  b  ", "# comment", "{\"groupId\": \"c\"}"]));

    [Fact]
    public void The_worst_code_of_a_batch_is_the_one_most_in_need_of_attention()
    {
        Assert.Equal(ExitCode.Committed, ExitCodes.Worst([]));
        Assert.Equal(ExitCode.AlreadySo, ExitCodes.Worst([ExitCode.Committed, ExitCode.AlreadySo]));
        Assert.Equal(ExitCode.RolledBack, ExitCodes.Worst([ExitCode.AlreadySo, ExitCode.RolledBack, ExitCode.Committed]));
        Assert.Equal(ExitCode.PendingRepair, ExitCodes.Worst([ExitCode.RolledBack, ExitCode.PendingRepair]));
        Assert.Equal(ExitCode.Unreachable, ExitCodes.Worst([ExitCode.PendingRepair, ExitCode.Unreachable, ExitCode.Usage]));
    }

    // Arguments separated by '|'.
    [Theory]
    [InlineData("")]
    [InlineData("bogus")]
    [InlineData("create")]
    [InlineData("get")]
    [InlineData("get|a|b")]
    [InlineData("ops|--limit|many")]
    [InlineData("list|--api|not a url")]
    [InlineData("list|--api|ftp://host")]
    [InlineData("list|--timeout|0")]
    [InlineData("create|{\"groupId\": 1}")]
    [InlineData("create|--from-file|/nonexistent/ids.txt")]
    public async Task A_wrong_command_line_exits_2_with_a_sentence_and_sends_nothing(string args)
    {
        var api = new FakeApi();
        var run = await CliRunner.RunAsync(api, Split(args));

        Assert.True(run.Code == ExitCode.Usage, run.ToString());
        Assert.Contains("error:", run.Error);
        Assert.DoesNotContain("   at ", run.Error); // no stack trace
        Assert.Empty(api.Received);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("create|--help")]
    [InlineData("status|-h")]
    public async Task Help_lists_the_commands_and_the_exit_codes(string args)
    {
        var run = await CliRunner.RunAsync(Split(args));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Exit codes", run.Out);
        foreach (var (code, meaning) in ExitCodes.Table)
        {
            Assert.Contains($"  {(int)code,-3}{meaning}", run.Out);
        }
    }

    [Fact]
    public async Task Root_help_names_every_command()
    {
        var run = await CliRunner.RunAsync("--help");

        foreach (var command in new[] { "create", "delete", "get", "list", "status", "reconcile", "ops", "op" })
        {
            Assert.Contains($"  {command} ", run.Out);
        }
    }

    [Fact]
    public async Task The_api_address_comes_from_the_option_else_the_environment_else_the_development_port()
    {
        var list = "{\"consistent\":true,\"groups\":[],\"unreachable\":[]}";
        var api = new FakeApi().On(HttpMethod.Get, "/v1/groups", 200, list);

        await CliRunner.RunAsync(api, "list");
        await CliRunner.RunAsync(api, new Dictionary<string, string> { ["CLUSTERGROUPS_API"] = "http://from-env:7000" }, ["list"]);
        await CliRunner.RunAsync(api, new Dictionary<string, string> { ["CLUSTERGROUPS_API"] = "http://from-env:7000" },
            ["list", "--api", "http://from-option:7001"]);

        Assert.Equal(
            ["http://localhost:5080/v1/groups", "http://from-env:7000/v1/groups", "http://from-option:7001/v1/groups"],
            api.Received.Select(r => r.Request.RequestUri!.ToString()));
    }

    [Fact]
    public async Task The_key_is_sent_as_X_Api_Key_from_the_option_or_the_environment()
    {
        var list = "{\"consistent\":true,\"groups\":[],\"unreachable\":[]}";
        var api = new FakeApi().On(HttpMethod.Get, "/v1/groups", 200, list);

        await CliRunner.RunAsync(api, "list");
        await CliRunner.RunAsync(api, new Dictionary<string, string> { ["CLUSTERGROUPS_KEY"] = "env-key" }, ["list"]);
        await CliRunner.RunAsync(api, new Dictionary<string, string> { ["CLUSTERGROUPS_KEY"] = "env-key" }, ["--key", "option-key", "list"]);

        Assert.Equal(
            [null, "env-key", "option-key"],
            api.Received.Select(r => r.Request.Headers.TryGetValues(SecurityHeaders.ApiKey, out var v) ? v.Single() : null));
    }

    [Fact]
    public async Task Create_sends_the_seeds_body_for_every_id_of_arguments_and_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, ["f1", "# skipped", "{\"groupId\": \"f2\"}"]);
            var api = new FakeApi().On(HttpMethod.Post, "/v1/group/", 201, FakeApi.Report("x", Outcome.Committed));

            var run = await CliRunner.RunAsync(api, "create", "a1", "{\"groupId\": \"a2\"}", "--from-file", file, "--parallel", "1");

            Assert.True(run.Code == ExitCode.Committed, run.ToString());
            Assert.Equal(
                ["{\"groupId\":\"a1\"}", "{\"groupId\":\"a2\"}", "{\"groupId\":\"f1\"}", "{\"groupId\":\"f2\"}"],
                api.Received.Select(r => r.Body));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task From_file_dash_reads_standard_input()
    {
        var api = new FakeApi().On(HttpMethod.Delete, "/v1/group/", 200,
            FakeApi.Report("x", Outcome.Committed, OperationKind.Delete));

        var run = await CliRunner.RunAsync(api, null, ["delete", "--from-file", "-"], new StringReader("s1\ns2\n"));

        Assert.True(run.Code == ExitCode.Committed, run.ToString());
        Assert.Equal(["{\"groupId\":\"s1\"}", "{\"groupId\":\"s2\"}"], api.Received.Select(r => r.Body).Order());
        Assert.All(api.Received, r => Assert.Equal(HttpMethod.Delete, r.Request.Method));
    }

    private static string[] Split(string args) => args.Length == 0 ? [] : args.Split('|');
}
