using System.Diagnostics;
using System.Globalization;
using ClusterGroups.Bench.Measurement;
using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Keyspace;

namespace ClusterGroups.Bench.Scenarios;

// The in-process store's script rate (--scripts): the node's real scripts, run by its real GroupStore over an
// InProcessStore on one thread, as the simulator will run them. Each phase runs for the given time; a script that
// does nothing and a single command give what a run costs apart from the script's own work, in the same run. Each
// rate is given per second of wall time and per second of this process's CPU time (GC and JIT included): on a
// machine others load, the second is the steadier figure.
public static class ScriptRun
{
    public static async Task<string> RunAsync(TimeSpan phase, CancellationToken ct)
    {
        var loadBefore = Machine.LoadAverage();
        // A first round of one second a phase, not reported: the JIT's tiers settle before anything is timed.
        await RoundAsync(TimeSpan.FromSeconds(1), ct);
        var (rows, compiled, groups) = await RoundAsync(phase, ct);
        var lines = new List<string>
        {
            $"In-process store, scripts per second on one thread ({phase.TotalSeconds:0} s a phase; load average before {loadBefore}, after {Machine.LoadAverage()}; {Environment.ProcessorCount} cores)",
            "",
            "| what | per second | per CPU second |",
            "|---|---:|---:|",
        };
        lines.AddRange(rows.Select(r => $"| {r.What} | {r.Rate.PerSecond.ToString("N0", CultureInfo.InvariantCulture)} | {r.Rate.PerCpuSecond.ToString("N0", CultureInfo.InvariantCulture)} |"));
        lines.Add("");
        lines.Add($"Scripts compiled: {compiled} (each once); groups at the end: {groups:N0}");
        return string.Join(Environment.NewLine, lines);
    }

    private static async Task<(List<(string What, (double PerSecond, double PerCpuSecond) Rate)> Rows, int Compiled, int Groups)> RoundAsync(TimeSpan phase, CancellationToken ct)
    {
        using var store = new InProcessStore();
        var groups = new GroupStore(store);
        var created = 0;
        var rows = new List<(string What, (double PerSecond, double PerCpuSecond) Rate)>
        {
            ("NodeScripts.Create: a new group (key, token), the store growing to 100 000s", await RateAsync(phase, i => groups.CreateAsync($"g{i}", $"k{i}", i + 1), n => created = n, ct)),
            ("NodeScripts.Create: a replay (same key)", await RateAsync(phase, i => groups.CreateAsync("g0", "k0", 1), _ => { }, ct)),
            ("NodeScripts.Delete: applied", await RateAsync(phase, i => groups.DeleteAsync($"g{i % created}", $"d{i}", int.MaxValue), _ => { }, ct)),
            ("NodeScripts.Abort: a key not seen", await RateAsync(phase, i => groups.AbortAsync($"g{i}", $"a{i}", int.MaxValue), _ => { }, ct)),
            ("NodeScripts.BulkCreate: 500 groups", await RateAsync(phase,
                i => groups.BulkCreateAsync(Enumerable.Range(i * GroupStore.BulkBatch, GroupStore.BulkBatch).Select(n => $"b{n}"), ct), _ => { }, ct)),
            ("NodeScripts.Create and Delete in turn on 100 groups (a small store, as a simulation's)", await RateAsync(phase,
                i => (i / 100) % 2 == 0 ? groups.CreateAsync($"s{i % 100}", $"ks{i}", i + 1) : groups.DeleteAsync($"s{i % 100}", $"ks{i}", i + 1), _ => { }, ct)),
            ("a script that does nothing (return 1)", await RateAsync(phase, _ => store.EvaluateAsync("return 1", [], []), _ => { }, ct)),
            ("one command (HGET), no script", await RateAsync(phase, i => store.ExecuteAsync("HGET", "groups", $"g{i}"), _ => { }, ct)),
        };
        return (rows, store.CompiledScripts, (await groups.DigestAsync()).Counts.Sum());
    }

    // Calls `run` with 0, 1, 2, ... for the phase's time; tells `done` how many it made.
    private static async Task<(double PerSecond, double PerCpuSecond)> RateAsync<T>(TimeSpan phase, Func<int, Task<T>> run, Action<int> done, CancellationToken ct)
    {
        var i = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < phase && !ct.IsCancellationRequested)
        {
            await run(i++);
        }

        done(i);
        var wall = clock.Elapsed.TotalSeconds;
        return (i / wall, i / (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }
}
