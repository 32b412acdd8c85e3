using System.Diagnostics;
using System.Runtime.CompilerServices;
using ClusterGroups.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Console;

// The browser the console tests drive: Debian's chromium through playwright-core (both installed by .ci/run), one
// node script per test (console*.test.mjs in this folder) talking to the test a line per step.
// On a machine without them a test reports itself skipped with the install commands, unless CI is set.
internal static class ConsoleBrowser
{
    private static readonly string ScriptDir = Here();
    private static readonly string Chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";

    public static void Require()
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

    // Runs `script` against the cluster's console with the test's key (API_KEY), its node count (NODES) and `env`.
    public static ConsoleDriver Start(string script, ClusterFixture cluster, ITestOutputHelper output, IReadOnlyDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo("node", [Path.Combine(ScriptDir, script)])
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
        foreach (var (name, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new ConsoleDriver(Process.Start(start)!, output);
    }

    private static string Here([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
