using System.Diagnostics;
using System.Globalization;
using ClusterGroups.Bench.Measurement;
using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Keyspace;

namespace ClusterGroups.Bench.Scenarios;

// The in-process store's script rate (--scripts): the node's real scripts, run by its real GroupStore over an
// InProcessStore on one thread, as the simulator will run them. Each phase runs for the given time; a script that
// does nothing and a single command give what a run costs apart from the script's own work, in the same run.
public static class ScriptRun
{
    public static async Task<string> RunAsync(TimeSpan phase, CancellationToken ct)
    {
        var loadBefore = Machine.LoadAverage();
        using var store = new InProcessStore();
        var groups = new GroupStore(store);
        var created = 0;
        var bulk = 0;
        var rows = new List<(string What, double PerSecond)>
        {
            ("NodeScripts.Create: a new group (key, token)", await RateAsync(phase, i => groups.CreateAsync($"g{i}", $"k{i}", i + 1), n => created = n, ct)),
            ("NodeScripts.Create: a replay (same key)", await RateAsync(phase, i => groups.CreateAsync("g0", "k0", 1), _ => { }, ct)),
            ("NodeScripts.Delete: applied", await RateAsync(phase, i => groups.DeleteAsync($"g{i % created}", $"d{i}", int.MaxValue), _ => { }, ct)),
            ("NodeScripts.Abort: a key not seen", await RateAsync(phase, i => groups.AbortAsync($"g{i}", $"a{i}", int.MaxValue), _ => { }, ct)),
            ("NodeScripts.BulkCreate: 500 groups", await RateAsync(phase,
                i => groups.BulkCreateAsync(Enumerable.Range(i * GroupStore.BulkBatch, GroupStore.BulkBatch).Select(n => $"b{n}"), ct), n => bulk = n, ct)),
            ("a script that does nothing (return 1)", await RateAsync(phase, _ => store.EvaluateAsync("return 1", [], []), _ => { }, ct)),
            ("one command (HGET), no script", await RateAsync(phase, i => store.ExecuteAsync("HGET", "groups", $"g{i}"), _ => { }, ct)),
        };

        var lines = new List<string>
        {
            $"In-process store, scripts per second on one thread ({phase.TotalSeconds:0} s a phase; load average before {loadBefore}, after {Machine.LoadAverage()}; {Environment.ProcessorCount} cores)",
            "",
            "| what | per second |",
            "|---|---:|",
        };
        lines.AddRange(rows.Select(r => $"| {r.What} | {r.PerSecond.ToString("N0", CultureInfo.InvariantCulture)} |"));
        lines.Add("");
        lines.Add($"Scripts compiled: {store.CompiledScripts} (each once); groups at the end: {(await groups.DigestAsync()).Counts.Sum():N0}");
        return string.Join(Environment.NewLine, lines);
    }

    // Calls `run` with 0, 1, 2, ... for the phase's time (after a short warm-up); tells `done` how many it made.
    private static async Task<double> RateAsync<T>(TimeSpan phase, Func<int, Task<T>> run, Action<int> done, CancellationToken ct)
    {
        var i = 0;
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromMilliseconds(200))
        {
            await run(i++);
        }

        var clock = Stopwatch.StartNew();
        var counted = 0;
        while (clock.Elapsed < phase && !ct.IsCancellationRequested)
        {
            await run(i++);
            counted++;
        }

        done(i);
        return counted / clock.Elapsed.TotalSeconds;
    }
}
