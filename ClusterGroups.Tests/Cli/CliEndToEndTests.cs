using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.Cli;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Cli;

// `groups ...` run in-process against the real cluster (3 nodes, Garnet stores, the Api) started by Aspire.
[Collection(ClusterCollection.Name)]
public class CliEndToEndTests(ClusterFixture cluster)
{
    private string Api => cluster.App.GetEndpoint("api", "http").ToString();

    private Task<CliRun> Groups(params string[] args) => CliRunner.RunAsync([.. args, "--api", Api, "--key", cluster.ApiKey]);

    private static string NewId() => $"cli-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_wrong_or_missing_key_exits_unauthorized_and_changes_nothing()
    {
        var id = NewId();
        var wrong = await CliRunner.RunAsync("create", id, "--api", Api, "--key", "not-the-key");
        Assert.True(wrong.Code == ExitCode.Unauthorized, wrong.ToString());
        var missing = await CliRunner.RunAsync("create", id, "--api", Api);
        Assert.True(missing.Code == ExitCode.Unauthorized, missing.ToString());
        Assert.DoesNotContain(id, await cluster.Node("node1").GroupIdsAsync());
    }

    [Fact]
    public async Task Create_and_delete_exit_with_committed_then_already_so()
    {
        var id = NewId();

        var created = await Groups("create", id);
        Assert.True(created.Code == ExitCode.Committed, created.ToString());
        Assert.Contains($"committed create '{id}': created on 3 of 3 nodes", created.Out);
        await AssertOnNodesAsync(id, present: true);

        var again = await Groups("create", id);
        Assert.True(again.Code == ExitCode.AlreadySo, again.ToString());
        Assert.Contains("already present on all 3 nodes; nothing changed", again.Out);

        var deleted = await Groups("delete", id);
        Assert.True(deleted.Code == ExitCode.Committed, deleted.ToString());
        await AssertOnNodesAsync(id, present: false);

        var deletedAgain = await Groups("delete", id);
        Assert.True(deletedAgain.Code == ExitCode.AlreadySo, deletedAgain.ToString());
        Assert.Contains("already absent on all 3 nodes; nothing changed", deletedAgain.Out);
    }

    [Fact]
    public async Task The_seeds_json_form_still_works()
    {
        var id = NewId();

        var run = await Groups("create", $$"""{"groupId": "{{id}}"}""");

        Assert.True(run.Code == ExitCode.Committed, run.ToString());
        await AssertOnNodesAsync(id, present: true);
    }

    [Fact]
    public async Task Json_output_is_the_apis_report_and_parses_back()
    {
        var id = NewId();

        var run = await Groups("create", id, "--json");

        Assert.True(run.Code == ExitCode.Committed, run.ToString());
        var report = run.Json();
        Assert.Equal(id, report["groupId"]!.GetValue<string>());
        Assert.Equal("Committed", report["outcome"]!.GetValue<string>());
        Assert.Equal(cluster.NodeNames.Order(), report["nodes"]!.AsArray().Select(n => n!["node"]!.GetValue<string>()).Order());
        Assert.All(report["nodes"]!.AsArray(), n => Assert.Equal("Applied", n!["effect"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_batch_from_a_file_commits_every_id_and_a_repeat_is_already_so()
    {
        var ids = Enumerable.Range(0, 6).Select(_ => NewId()).ToList();
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, ["# ids for the batch", .. ids]);

            var created = await Groups("create", "--from-file", file);
            Assert.True(created.Code == ExitCode.Committed, created.ToString());
            Assert.Contains("create of 6 groups: exit code 0 (committed)", created.Out);
            foreach (var id in ids)
            {
                await AssertOnNodesAsync(id, present: true);
            }

            // One id already deleted: the batch's worst outcome is "already so".
            Assert.Equal(ExitCode.Committed, (await Groups("delete", ids[0])).Code);
            var deleted = await Groups("delete", "--from-file", file, "--json");
            Assert.True(deleted.Code == ExitCode.AlreadySo, deleted.ToString());
            var summary = deleted.Json();
            Assert.Equal(6, summary["total"]!.GetValue<int>());
            Assert.Equal(5, summary["counts"]!["Committed"]!.GetValue<int>());
            Assert.Equal(1, summary["counts"]!["AlreadySo"]!.GetValue<int>());
            Assert.Equal(404, summary["results"]![0]!["status"]!.GetValue<int>());
            foreach (var id in ids)
            {
                await AssertOnNodesAsync(id, present: false);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Get_and_list_show_the_group_on_every_node()
    {
        var id = NewId();
        Assert.Equal(ExitCode.Committed, (await Groups("create", id)).Code);

        var get = await Groups("get", id);
        Assert.True(get.Code == ExitCode.Committed, get.ToString());
        foreach (var node in cluster.NodeNames)
        {
            Assert.Matches($@"{node}\s*│\s*present", get.Out);
        }

        Assert.Contains($"'{id}' is on every node.", get.Out);

        var list = await Groups("list", "--json");
        Assert.True(list.Code == ExitCode.Committed, list.ToString());
        var entry = list.Json()["groups"]!.AsArray().Single(g => g!["groupId"]!.GetValue<string>() == id)!;
        Assert.Empty(entry["missingOn"]!.AsArray());

        var missing = await Groups("get", NewId());
        Assert.True(missing.Code == ExitCode.NotFound, missing.ToString());
        Assert.Contains("is on no reachable node.", missing.Error);
    }

    [Fact]
    public async Task Ops_and_op_show_the_operation_and_op_exits_with_its_outcome()
    {
        var id = NewId();
        var created = await Groups("create", id, "--json");
        var operationId = created.Json()["operationId"]!.GetValue<string>();

        var op = await Groups("op", operationId);
        Assert.True(op.Code == ExitCode.Committed, op.ToString());
        Assert.Contains($"committed create '{id}'", op.Out);
        Assert.Contains("apply #1", op.Out);

        var ops = await Groups("ops", "--json", "--limit", "1000");
        Assert.True(ops.Code == ExitCode.Committed, ops.ToString());
        Assert.Contains(ops.Json()["operations"]!.AsArray(), o => o!["operationId"]!.GetValue<string>() == operationId);

        var open = await Groups("ops", "--open", "--json");
        Assert.True(open.Code == ExitCode.Committed, open.ToString());
        Assert.DoesNotContain(open.Json()["operations"]!.AsArray(), o => o!["operationId"]!.GetValue<string>() == operationId);

        var unknown = await Groups("op", "op-does-not-exist");
        Assert.True(unknown.Code == ExitCode.NotFound, unknown.ToString());
    }

    [Fact]
    public async Task An_invalid_id_exits_2_and_touches_no_node()
    {
        var run = await Groups("create", "no spaces/or slashes");

        Assert.True(run.Code == ExitCode.Usage, run.ToString());
        Assert.Contains("The Api refused the input: groupId is invalid", run.Error);
    }

    [Fact]
    public async Task An_api_that_refuses_connections_exits_6()
    {
        var port = FreePorts.Pick(); // nothing listens there

        var run = await CliRunner.RunAsync("create", NewId(), "--api", $"http://127.0.0.1:{port}");

        Assert.True(run.Code == ExitCode.Unreachable, run.ToString());
        Assert.Equal($"error: Cannot reach the Api at http://127.0.0.1:{port}/: connection refused.", run.Error.Trim());
    }

    // A stopped node, for real: it refuses connections, nothing was applied there, the others are undone (exit 4);
    // once it is back, the same create commits (exit 0).
    [Fact]
    public async Task A_stopped_node_rolls_a_create_back_and_it_commits_once_the_node_is_back()
    {
        var id = NewId();
        try
        {
            await cluster.StopAsync("node3");
            var run = await Groups("create", id, "--verbose");
            Assert.True(run.Code == ExitCode.RolledBack, run.ToString());
            Assert.Contains($"rolled back create '{id}': failed on node3; undone on node1, node2", run.Out);
            Assert.Contains("Nothing changed; it is safe to send again.", run.Out);
            Assert.Matches(@"node3\s*│\s*NotApplied", run.Out);
            Assert.Matches(@"node1\s*│\s*Applied\s*│\s*created, then undone\s*│\s*Undone", run.Out);
            Assert.DoesNotContain(id, await cluster.Node("node1").GroupIdsAsync());
            Assert.DoesNotContain(id, await cluster.Node("node2").GroupIdsAsync());
        }
        finally
        {
            await cluster.StartAsync("node3");
        }

        await Wait.UntilAsync(async () => (await Groups("create", id)).Code == ExitCode.Committed,
            Wait.Resource, "a create commits once node3 is back");
        await AssertOnNodesAsync(id, present: true);
    }

    // A rollback that cannot finish, provoked with node fault injection: node3 refuses the create and node2 refuses
    // every DELETE, so node2's undo stays pending (exit 5); `op` follows it until the Api has finished it itself.
    [Fact]
    public async Task A_pending_repair_exits_5_and_op_follows_it_to_rolled_back()
    {
        var id = NewId();
        string operationId;
        try
        {
            await cluster.SetChaosAsync("node3", new { errorBeforeApply = 1.0, methods = new[] { "POST" } });
            await cluster.SetChaosAsync("node2", new { errorBeforeApply = 1.0, methods = new[] { "DELETE" } });
            var run = await Groups("create", id, "--verbose");
            Assert.True(run.Code == ExitCode.PendingRepair, run.ToString());
            Assert.Contains($"pending repair create '{id}': failed, and the rollback on node2 could not be finished yet", run.Out);
            Assert.Matches(@"node2\s*│\s*Applied\s*│.*│\s*Pending\s*│", run.Out);
            var follow = System.Text.RegularExpressions.Regex.Match(run.Out, @"follow it with: groups op (op-[0-9a-f]+)");
            Assert.True(follow.Success, run.ToString());
            operationId = follow.Groups[1].Value;

            var open = await Groups("ops", "--open", "--json");
            Assert.Contains(open.Json()["operations"]!.AsArray(), o => o!["operationId"]!.GetValue<string>() == operationId);
            var stillPending = await Groups("op", operationId);
            Assert.True(stillPending.Code == ExitCode.PendingRepair, stillPending.ToString());
        }
        finally
        {
            await cluster.MakeStableAsync();
        }

        await Wait.UntilAsync(async () => (await Groups("op", operationId)).Code == ExitCode.RolledBack,
            Wait.Resource, $"{operationId} to be rolled back by the Api");
        await AssertOnNodesAsync(id, present: false);
    }

    private async Task AssertOnNodesAsync(string id, bool present)
    {
        foreach (var node in cluster.NodeNames)
        {
            var groups = await cluster.Node(node).GroupIdsAsync();
            Assert.True(groups.Contains(id) == present, $"{id} on {node}: expected {(present ? "present" : "absent")}");
        }
    }
}
