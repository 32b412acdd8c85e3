using System.Globalization;
using System.Text;
using System.Text.Json;
using ClusterGroups.Bench.Measurement;
using ClusterGroups.Bench.Target;

namespace ClusterGroups.Bench.Scenarios;

// One app start of the coordinator comparison: which coordinator, the machine's load around it, the Api's phases.
public sealed record CoordinatorStart(
    string Coordinator, int Start, string Journal, double StartSeconds, string LoadBefore, string LoadAfter, IReadOnlyList<PhaseResult> Api);

// The coordinator comparison (--coordinators): 3 nodes, one app start per coordinator named, in the order given, each
// warmed up and then loaded through the Api (create, then delete of a fresh id, per worker) at c=1, 16 and 64. The
// same run, the same machine, the same profile: what the coordinator costs is the difference between the rows, and
// repeating the names (garnet,postgres,garnet,postgres) spreads a change of the machine's load over both.
public static class CoordinatorRun
{
    public const int Nodes = 3;
    public static readonly IReadOnlyList<int> Concurrency = [1, 16, 64];

    public static async Task<string> RunAsync(BenchOptions options, IReadOnlyList<string> coordinators, CancellationToken ct)
    {
        var loadAtStart = Machine.LoadAverage();
        var profile = options.Profile;
        var starts = new List<CoordinatorStart>();
        foreach (var coordinator in coordinators)
        {
            var loadBefore = Machine.LoadAverage();
            var cluster = await AspireCluster.StartAsync(Nodes, options with { Coordinator = coordinator }, [], ct);
            try
            {
                Console.WriteLine($"{coordinator} (start {starts.Count + 1}, journal {cluster.Journal}, started in {cluster.StartSeconds} s, load {loadBefore}): warm-up");
                var (http, client) = BenchHttp.ForApi(cluster.Api, options.ApiKey);
                using var connections = http;
                var api = Workloads.Api(new ApiCalls(client));
                await LoadRunner.RunAsync(16, profile.Warmup, profile.Drain, profile.MaxOpsPerPhase, api, null, ct);

                var context = new PhaseContext(cluster, profile, new Dictionary<Role, double>());
                var phases = new List<PhaseResult>();
                foreach (var c in Concurrency)
                {
                    phases.Add(await Phase.RunAsync(new PhaseSpec("api", c, c == 1 ? profile.ApiLatency : profile.ApiThroughput), context, api, ct));
                }

                starts.Add(new CoordinatorStart(coordinator, starts.Count + 1, cluster.Journal, cluster.StartSeconds, loadBefore, Machine.LoadAverage(), phases));
            }
            finally
            {
                await cluster.DisposeAsync();
            }
        }

        var directory = options.OutputDirectory ?? Output.ReportWriter.DefaultDirectory("coordinators");
        Directory.CreateDirectory(directory);
        var markdown = Render(starts, options, profile, loadAtStart, Machine.LoadAverage());
        File.WriteAllText(Path.Combine(directory, "coordinators.md"), markdown);
        File.WriteAllText(Path.Combine(directory, "coordinators.json"),
            JsonSerializer.Serialize(starts, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        Console.WriteLine();
        Console.WriteLine(markdown);
        return directory;
    }

    private static string Render(IReadOnlyList<CoordinatorStart> starts, BenchOptions options, BenchProfile profile, string loadAtStart, string loadAtEnd)
    {
        var md = new StringBuilder();
        md.AppendLine(Invariant(
            $"# Coordinators compared: N={Nodes}, {options.Store} node stores, Api create and delete (one try each), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        md.AppendLine();
        md.AppendLine(Invariant($"Machine: {Environment.ProcessorCount} cores; load average {loadAtStart} at the start, {loadAtEnd} at the end (shared machine: compare the rows of one run, not runs). ")
            + Invariant($"Phases: c=1 {profile.ApiLatency.TotalSeconds:0.#} s, c=16 and 64 {profile.ApiThroughput.TotalSeconds:0.#} s each, after a {profile.Warmup.TotalSeconds:0.#} s warm-up at c=16; ")
            + $"starts in this order: {string.Join(", ", starts.Select(s => s.Coordinator))}.");
        md.AppendLine();

        var byCoordinator = starts.GroupBy(s => s.Coordinator).ToList();
        md.AppendLine(starts.Count > byCoordinator.Count
            ? "Side by side (the median over each coordinator's starts); p50 and p99 of every create and delete, ms; throughput in operations/s"
            : "Side by side; p50 and p99 of every create and delete, ms; throughput in operations/s");
        md.AppendLine();
        md.AppendLine("| c | " + string.Join(" | ", byCoordinator.Select(g => $"{g.Key} p50 | {g.Key} p99 | {g.Key} ops/s")) + " |");
        md.AppendLine("|---:|" + string.Concat(byCoordinator.Select(_ => "---:|---:|---:|")));
        foreach (var c in Concurrency)
        {
            var cells = byCoordinator.Select(g =>
            {
                var phases = g.Select(s => s.Api.Single(p => p.Concurrency == c)).ToList();
                return Invariant($"{Median(phases.Select(p => p.Latency.P50Ms)):F2} | {Median(phases.Select(p => p.Latency.P99Ms)):F2} | {Median(phases.Select(p => p.OpsPerSecond)):F0}");
            });
            md.AppendLine(Invariant($"| {c} | {string.Join(" | ", cells)} |"));
        }

        md.AppendLine();
        md.AppendLine("Every start (load average before the start and after its last phase; ok = share of operations committed or already so)");
        md.AppendLine();
        md.AppendLine("| start | coordinator | load before | load after | c | ops | ops/s | create p50 | create p99 | delete p50 | delete p99 | max | ok | outcomes |");
        md.AppendLine("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var start in starts)
        {
            foreach (var p in start.Api)
            {
                var (create, delete) = (p.Kind("create"), p.Kind("delete"));
                md.AppendLine(Invariant($"| {start.Start} | {start.Coordinator} | {start.LoadBefore} | {start.LoadAfter} | {p.Concurrency} | {p.Operations} | {p.OpsPerSecond:F0} | ")
                    + Invariant($"{create.P50Ms:F2} | {create.P99Ms:F2} | {delete.P50Ms:F2} | {delete.P99Ms:F2} | {p.Latency.MaxMs:F1} | {p.SuccessRate:P1} | ")
                    + Invariant($"{string.Join(", ", p.Outcomes.Select(o => $"{o.Key} {o.Value}"))} |"));
            }
        }

        md.AppendLine();
        md.AppendLine($"Command: `dotnet run -c Release --project bench/ClusterGroups.Bench -- --coordinators {string.Join(',', starts.Select(s => s.Coordinator))}"
            + (options.LatencyPhase is { } l ? Invariant($" --latency-seconds {l.TotalSeconds:0.#}") : "")
            + (options.ThroughputPhase is { } t ? Invariant($" --throughput-seconds {t.TotalSeconds:0.#}") : "")
            + "`. The postgres coordinator is one local instance (the AppHost's Cluster:Coordinator=postgres: fsync on, no standby); "
            + "a synchronous standby adds a replication round trip to each commit.");
        return md.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
