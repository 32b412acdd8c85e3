using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Console;

// The operations console in a real browser (Debian chromium driven by playwright-core, both installed by .ci/run):
// it is open while a fault leaves a group divergent, shows the group in the grid, the pending repair among the open
// operations with its per-node timeline and who asked for it, finds it by group, retries it (journaled with the key's
// name), and sees both go once the node is back.
// On a machine without them the test reports itself skipped with the install commands, unless CI is set.
[Collection(ClusterCollection.Name)]
public sealed class ConsoleBrowserTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly string ScriptDir = Here();
    private static readonly string Chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";

    [SkippableFact]
    public async Task The_console_shows_a_divergent_group_and_its_pending_repair_after_a_fault_and_sees_them_close()
    {
        RequireBrowser();
        using var driver = StartDriver();
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

    private Driver StartDriver()
    {
        var start = new ProcessStartInfo("node", [Path.Combine(ScriptDir, "console.test.mjs")])
        {
            WorkingDirectory = ScriptDir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CONSOLE_URL"] = new Uri(cluster.App.GetEndpoint("api", "http"), "/console").ToString();
        start.Environment["API_KEY"] = cluster.ApiKey;
        start.Environment["NODES"] = cluster.NodeCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["CHROMIUM"] = Chromium;
        if (Environment.GetEnvironmentVariable("CONSOLE_SCREENSHOT") is { Length: > 0 } shot)
        {
            start.Environment["SCREENSHOT"] = shot;
        }

        return new Driver(Process.Start(start)!, output);
    }

    private static void RequireBrowser()
    {
        var missing = new List<string>();
        if (!File.Exists(Chromium))
        {
            missing.Add("apt-get install -y chromium");
        }

        if (!Directory.Exists(Path.Combine(ScriptDir, "node_modules", "playwright-core")))
        {
            missing.Add($"npm ci --prefix {ScriptDir}");
        }

        if (Environment.GetEnvironmentVariable("CI") is "true")
        {
            Assert.True(missing.Count == 0, $"CI must have the browser (.ci/run installs it): {string.Join("; ", missing)}");
        }

        Skip.If(missing.Count > 0, $"no browser for the console test: {string.Join("; ", missing)}");
    }

    private static string Here([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    // The node process: one line per step each way; its stderr goes to the test output; killed if left running.
    private sealed class Driver(Process process, ITestOutputHelper output) : IDisposable
    {
        private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();

        public async Task<string> ReadAsync(CancellationToken ct)
        {
            var line = await process.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(Wait.Resource, ct);
            if (line is null)
            {
                await process.WaitForExitAsync(ct).WaitAsync(Wait.Resource, ct);
                Assert.Fail($"the browser script ended (exit {process.ExitCode}): {await _stderr}");
            }

            output.WriteLine($"browser: {line}");
            return line;
        }

        public async Task WriteAsync(string line)
        {
            await process.StandardInput.WriteLineAsync(line).WaitAsync(Wait.Request);
            await process.StandardInput.FlushAsync().WaitAsync(Wait.Request);
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit(TimeSpan.FromSeconds(10));
            process.Dispose();
        }
    }
}
