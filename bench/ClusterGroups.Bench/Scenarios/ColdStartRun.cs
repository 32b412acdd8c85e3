using System.Globalization;
using System.Text;
using System.Text.Json;
using ClusterGroups.Bench.Measurement;
using ClusterGroups.Bench.Target;

namespace ClusterGroups.Bench.Scenarios;

// The cold-start phase (--cold-start): one started cluster of 3 nodes; each round crashes (kill -9) one process at a
// time, starts it again, waits for the moment it is up and sends it 32 creates at once (docs/ARCHITECTURE.md, "Cold
// start"). node: node1, its creates sent to it directly. api: the Api, creates through it. store: node1's store, creates
// to the (warm) node1 once it reads from the new store. coordinator: the Api's store, creates through the (warm) Api
// once it reads the journal again.
public static class ColdStartRun
{
    public const int DefaultRounds = 5;

    private sealed record Target(string Name, string Resource, Func<CancellationToken, Task<double>> UntilUp, Func<CancellationToken, Task<ColdRound>> Burst);

    public static async Task<string> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var loadBefore = Machine.LoadAverage();
        var cluster = await AspireCluster.StartAsync(3, options, [], ct);
        var rounds = new List<ColdRound>();
        try
        {
            using var nodes = BenchHttp.ForNodes(options.ClusterKey);
            using var api = BenchHttp.ForApiWire(options.ApiKey);
            var node1 = cluster.Nodes[0];
            Target[] targets =
            [
                new("node", "node1", t => ColdBurst.UntilListeningAsync(node1, t), t => Burst("node", () => BenchHttp.ForNodes(options.ClusterKey), node1, t)),
                new("api", "api", t => ColdBurst.UntilListeningAsync(cluster.Api, t), t => Burst("api", () => BenchHttp.ForApiWire(options.ApiKey), cluster.Api, t)),
                new("store", "store1", t => ColdBurst.UntilAnswersAsync(nodes, new Uri(node1, "/v1/group/cold-probe/"), t),
                    t => Burst("store", () => BenchHttp.ForNodes(options.ClusterKey), node1, t)),
                new("coordinator", JournalSwitch.CoordinatorResource, t => ColdBurst.UntilAnswersAsync(api, new Uri(cluster.Api, "/v1/operations?limit=1"), t),
                    t => Burst("coordinator", () => BenchHttp.ForApiWire(options.ApiKey), cluster.Api, t)),
            ];
            if (options.ColdStartTargets is { } only)
            {
                targets = [.. targets.Where(t => only.Contains(t.Name))];
                if (targets.Length != only.Count)
                {
                    throw new ArgumentException($"--cold-start-only takes node, api, store, coordinator, not {string.Join(',', only)}");
                }
            }

            for (var round = 1; round <= options.ColdStartRounds; round++)
            {
                foreach (var target in targets)
                {
                    await cluster.CrashAndStartAsync(target.Resource, ct);
                    var up = await target.UntilUp(ct);
                    var result = await target.Burst(ct) with { Round = round, UpSeconds = up };
                    rounds.Add(result);
                    Console.WriteLine($"  round {round} {target.Name,-11}: up after {up,5:F2} s; first answer {result.FirstMs,8:F1} ms, "
                                      + $"last {result.LastMs,8:F1} ms; {result.Statuses}");
                    // The next crash starts from a settled cluster: every process healthy again.
                    await Task.WhenAll(new[] { "node1", "api" }.Select(name => cluster.WaitHealthyAsync(name, ct)));
                }
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        var directory = options.OutputDirectory ?? Output.ReportWriter.DefaultDirectory("cold-start");
        Directory.CreateDirectory(directory);
        var markdown = Render(rounds, options.Store, loadBefore, Machine.LoadAverage());
        File.WriteAllText(Path.Combine(directory, $"{options.Store}.md"), markdown);
        File.WriteAllText(Path.Combine(directory, $"{options.Store}.json"),
            JsonSerializer.Serialize(rounds, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        Console.WriteLine();
        Console.WriteLine(markdown);
        return directory;
    }

    private static async Task<ColdRound> Burst(string target, Func<HttpClient> client, Uri endpoint, CancellationToken ct)
    {
        var (first, last, created, serverErrors, other, statuses) = await ColdBurst.CreateAsync(client, endpoint, ct);
        return new ColdRound(target, 0, 0, first, last, created, serverErrors, other, statuses);
    }

    private static string Render(IReadOnlyList<ColdRound> rounds, string store, string loadBefore, string loadAfter)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"# Cold start under a burst of {ColdBurst.Size} creates: 3 nodes, {store} stores, {rounds.Select(r => r.Round).DefaultIfEmpty().Max()} rounds "
            + $"({DateTime.Now:yyyy-MM-dd HH:mm}, load average {loadBefore} before, {loadAfter} after)");
        md.AppendLine();
        md.AppendLine("| crashed and restarted | up after (s, median) | first answer (ms, median) | max | last answer (ms, median) | max | 5xx | other failures |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in rounds.GroupBy(r => r.Target))
        {
            var g = group.ToList();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {group.Key} | {Median(g.Select(r => r.UpSeconds)):F2} | {Median(g.Select(r => r.FirstMs)):F0} | {g.Max(r => r.FirstMs):F0} | "
                + $"{Median(g.Select(r => r.LastMs)):F0} | {g.Max(r => r.LastMs):F0} | {g.Sum(r => r.ServerErrors)} of {g.Sum(r => r.Answers)} | {g.Sum(r => r.Other)} |");
        }

        md.AppendLine();
        md.AppendLine("Per round (up after s; first / last answer ms; statuses, 0 = no answer):");
        md.AppendLine();
        foreach (var r in rounds)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {r.Round} {r.Target}: {r.UpSeconds:F2}; {r.FirstMs:F0} / {r.LastMs:F0}; {r.Statuses}");
        }

        return md.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }
}
