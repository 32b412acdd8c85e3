using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClusterGroups.Bench.Measurement;
using ClusterGroups.Bench.Target;
using ClusterGroups.Client;
using ScottPlot;

namespace ClusterGroups.Bench.Scenarios;

public sealed record StatePoint(
    long GroupsPerNode, int Divergent, double LoadSeconds, double ConsistencyMs, double ConsistencyMaxMs, double HealthMs,
    double HealthMaxMs, int Listed, double ApiPeakRssMb);

// The state-size phase (--state): one started cluster of 3 nodes; for each size, every node is wiped and bulk-loaded
// (POST /admin/groups/bulk) with the same groups, 10 of them then deleted from node3; then the Api's consistency
// check (median of 5) and /health (median of 20) are timed, and the Api's peak resident memory read. Sizes run
// smallest first, so the peak's growth is what the larger state cost.
public static class StateRun
{
    public static readonly long[] Sizes = [1_000, 1_000_000];
    private const int Divergent = 10;

    public static async Task<string> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var load = Machine.LoadAverage();
        var cluster = await AspireCluster.StartAsync(3, options, [], ct);
        var points = new List<StatePoint>();
        try
        {
            // A consistency check of a million groups may list many buckets: the Api's own timeouts bound it, not ours.
            var (http, api) = BenchHttp.ForApi(cluster.Api, options.ApiKey, TimeSpan.FromMinutes(10));
            using var apiConnections = http;
            using var nodes = BenchHttp.ForNodes(options.ClusterKey);
            nodes.Timeout = TimeSpan.FromMinutes(10);
            foreach (var size in options.StateSizes ?? Sizes)
            {
                points.Add(await MeasureAsync(cluster, api, http, nodes, size, ct));
                var p = points[^1];
                Console.WriteLine($"  {size,9:N0} groups/node: load {p.LoadSeconds:F1} s, consistency {p.ConsistencyMs:F0} ms "
                                  + $"({p.Listed} listed), /health {p.HealthMs:F1} ms, Api peak RSS {p.ApiPeakRssMb:F0} MB");
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        var directory = Path.Combine(options.OutputDirectory ?? Output.ReportWriter.DefaultDirectory("state"));
        Directory.CreateDirectory(directory);
        var markdown = Render(points, load, Machine.LoadAverage());
        File.WriteAllText(Path.Combine(directory, "state.md"), markdown);
        File.WriteAllText(Path.Combine(directory, "state.json"), JsonSerializer.Serialize(points, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        Chart(points, Path.Combine(directory, "state-vs-groups.png"));
        Console.WriteLine(markdown);
        return directory;
    }

    private static async Task<StatePoint> MeasureAsync(
        IBenchCluster cluster, ClusterGroupsClient api, HttpClient apiHttp, HttpClient nodes, long size, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(cluster.Nodes.Select(async node =>
        {
            (await nodes.DeleteAsync(new Uri(node, "/v1/groups/"), ct)).EnsureSuccessStatusCode();
            (await nodes.PostAsJsonAsync(new Uri(node, "/admin/groups/bulk"), new { prefix = "state-", count = size }, ct)).EnsureSuccessStatusCode();
        }));
        for (var i = 0; i < Divergent; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(cluster.Nodes[^1], "/v1/group/"))
            {
                Content = JsonContent.Create(new { groupId = $"state-{i * (size / Divergent)}" }),
            };
            (await nodes.SendAsync(request, ct)).EnsureSuccessStatusCode();
        }

        var loadSeconds = clock.Elapsed.TotalSeconds;
        var listed = 0;
        var consistency = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var report = await api.GetConsistencyAsync(ct);
            consistency.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            listed = report.Divergent.Count;
        }

        var health = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var started = Stopwatch.GetTimestamp();
            (await apiHttp.GetAsync(new Uri(cluster.Api, "/health"), ct)).EnsureSuccessStatusCode();
            health.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var rss = cluster.Processes.ApiPeakRssBytes() is { } bytes ? bytes / 1024.0 / 1024.0 : double.NaN;
        return new StatePoint(size, Divergent, Math.Round(loadSeconds, 1), Math.Round(Median(consistency), 1), Math.Round(consistency.Max(), 1),
            Math.Round(Median(health), 2), Math.Round(health.Max(), 2), listed, Math.Round(rss, 1));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Render(IReadOnlyList<StatePoint> points, string loadBefore, string loadAfter)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# State size: 3 nodes, 10 divergent groups (load average {loadBefore} before, {loadAfter} after)");
        md.AppendLine();
        md.AppendLine("| groups per node | bulk load (s) | consistency median (ms) | max | listed | /health median (ms) | max | Api peak RSS (MB) |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in points)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {p.GroupsPerNode:N0} | {p.LoadSeconds:F1} | {p.ConsistencyMs:F1} | {p.ConsistencyMaxMs:F1} | {p.Listed} | {p.HealthMs:F2} | {p.HealthMaxMs:F2} | {p.ApiPeakRssMb:F0} |");
        }

        if (points.Count >= 2)
        {
            var (small, large) = (points[0], points[^1]);
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"- consistency at {large.GroupsPerNode:N0}: {large.ConsistencyMs:F0} ms (target ≤ 2 000), {large.ConsistencyMs / small.ConsistencyMs:F1} × its time at {small.GroupsPerNode:N0} (target ≤ 10)");
            md.AppendLine(CultureInfo.InvariantCulture, $"- /health: at most {points.Max(p => p.HealthMs):F1} ms median (target ≤ 20 at any size)");
            md.AppendLine(CultureInfo.InvariantCulture, $"- Api peak memory growth: {large.ApiPeakRssMb - small.ApiPeakRssMb:F0} MB (target ≤ 100)");
        }

        return md.ToString();
    }

    private static void Chart(IReadOnlyList<StatePoint> points, string path)
    {
        var plot = new Plot();
        double[] x = [.. points.Select(p => Math.Log10(p.GroupsPerNode))];
        var consistency = plot.Add.Scatter(x, [.. points.Select(p => p.ConsistencyMs)]);
        consistency.LegendText = "consistency (ms)";
        var health = plot.Add.Scatter(x, [.. points.Select(p => p.HealthMs)]);
        health.LegendText = "/health (ms)";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. points.Select(p => Math.Log10(p.GroupsPerNode))], [.. points.Select(p => p.GroupsPerNode.ToString("N0", CultureInfo.InvariantCulture))]);
        plot.XLabel("groups per node (log scale)");
        plot.YLabel("ms");
        plot.Title("Read cost against state size (3 nodes, 10 divergent)");
        plot.ShowLegend();
        plot.SavePng(path, 800, 450);
    }
}
