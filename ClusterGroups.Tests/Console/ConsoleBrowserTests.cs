using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Console;

// The operations console in a real browser (Debian chromium driven by playwright-core, both installed by .ci/run):
// it is open while a fault leaves a group divergent, shows the group in the grid, the pending repair among the open
// operations with its per-node timeline and who asked for it, finds it by group, retries it (journaled with the key's
// name), and sees both go once the node is back.
// On a machine without them the test reports itself skipped with the install commands, unless CI is set (ConsoleBrowser).
[Collection(ClusterCollection.Name)]
public sealed class ConsoleBrowserTests(ClusterFixture cluster, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task The_console_shows_a_divergent_group_and_its_pending_repair_after_a_fault_and_sees_them_close()
    {
        ConsoleBrowser.Require();
        using var driver = ConsoleBrowser.Start("console.test.mjs", cluster, output,
            Environment.GetEnvironmentVariable("CONSOLE_SCREENSHOT") is { Length: > 0 } shot ? new Dictionary<string, string> { ["SCREENSHOT"] = shot } : null);
        using var cts = new CancellationTokenSource(Wait.AppStart);

        Assert.Equal("READY", await driver.ReadAsync(cts.Token));

        await cluster.SetChaosAsync("node3", new { errorBeforeApply = 1.0, methods = new[] { "POST" } });
        await cluster.SetChaosAsync("node2", new { errorBeforeApply = 1.0, methods = new[] { "DELETE" } });
        var id = $"console-{Guid.NewGuid():N}";
        var response = await cluster.Api().PostGroupAsync(id);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var operationId = (await response.JsonAsync())["operationId"]!.GetValue<string>();
        await driver.WriteAsync($"GO {id} {operationId} node2");

        var seen = await driver.ReadAsync(cts.Token);
        Assert.StartsWith("SEEN ", seen);
        var page = JsonNode.Parse(seen["SEEN ".Length..])!;
        Assert.Equal("✓", page["cells"]!["node2"]!.GetValue<string>());
        Assert.Equal("✗", page["cells"]!["node1"]!.GetValue<string>());
        Assert.Equal("✗", page["cells"]!["node3"]!.GetValue<string>());
        Assert.Equal("Pending", page["compensation"]!["node2"]!.GetValue<string>());
        Assert.True(page["timeline"]!.GetValue<int>() >= cluster.NodeCount, "the timeline lists the node calls");
        Assert.Contains("PendingRepair", page["summary"]!.GetValue<string>());

        await driver.WriteAsync("RETRY");
        var retried = await driver.ReadAsync(cts.Token);
        Assert.StartsWith("RETRIED ", retried);
        var answer = JsonNode.Parse(retried["RETRIED ".Length..])!;
        Assert.Equal("retry: PendingRepair", answer["result"]!.GetValue<string>());
        Assert.Contains("asked by default", answer["audit"]!.GetValue<string>());
        Assert.Contains("retry by default", answer["audit"]!.GetValue<string>());

        await cluster.MakeStableAsync();
        await driver.WriteAsync("CLOSE");
        Assert.Equal("CLOSED", await driver.ReadAsync(cts.Token));
        Assert.Empty(await cluster.WhereAsync(id));
    }
}
