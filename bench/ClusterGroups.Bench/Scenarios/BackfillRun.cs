using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClusterGroups.Bench.Measurement;
using ClusterGroups.Bench.Target;
using ClusterGroups.Client;

namespace ClusterGroups.Bench.Scenarios;

// Seconds: from the rejoin's answer until the membership names node3 Active (null: not within the limit).
// Node3Groups: node3's digest total once active; Load: the load average when the rejoin was sent.
// CheckSeconds / AuditSeconds: then one consistency report of the Api, the nodes compared with each other, and one
// against the journal (the audit: every desired state read), with whether each found the cluster consistent.
public sealed record BackfillPoint(
    long Groups, double LoadSeconds, double? Seconds, double? GroupsPerSecond, long? Node3Groups, string Load,
    double? CheckSeconds = null, double? AuditSeconds = null, bool? AuditConsistent = null);

// The backfill phase (--backfill): one started cluster of 3 nodes; for each size, every node is wiped and bulk-loaded
// (POST /admin/groups/bulk) with the same N groups, and the coordinator records each as desired present (as a
// committed create leaves it: groups the Api knows). Then node3 is drained, wiped (DELETE /v1/groups/) and rejoined,
// and the time until the membership names it Active again is measured: the JoinBackfill rounds (every 2 s) that fill
// it and the digest check that promotes it. Sizes run smallest first.
public static class BackfillRun
{
    public static readonly long[] Sizes = [10_000, 100_000];
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(30);
    private const string Prefix = "bf-";
    private const string Joining = "node3";

    public static async Task<string> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var load = Machine.LoadAverage();
        var cluster = await AspireCluster.StartAsync(3, options, [], ct);
        var points = new List<BackfillPoint>();
        try
        {
            if (cluster.Coordinator is not { } coordinator)
            {
                throw new InvalidOperationException("--backfill seeds the desired state into a Redis-protocol coordinator (--coordinator garnet).");
            }

            var (http, api) = BenchHttp.ForApi(cluster.Api, options.ApiKey, TimeSpan.FromMinutes(2));
            using var apiConnections = http;
            using var nodes = BenchHttp.ForNodes(options.ClusterKey);
            nodes.Timeout = TimeSpan.FromMinutes(60); // a million groups bulk-loaded on a busy machine: more than 10 min
            foreach (var size in options.BackfillSizes ?? Sizes)
            {
                var p = await MeasureAsync(cluster, coordinator, api, nodes, size, options.BackfillLimit ?? DefaultLimit, ct);
                points.Add(p);
                Console.WriteLine($"  {size,9:N0} groups: load {p.LoadSeconds:F1} s, node3 active after "
                                  + (p.Seconds is { } s ? $"{s:F1} s ({p.GroupsPerSecond:F0} groups/s)" : "(not within the limit)")
                                  + $", node3 holds {p.Node3Groups:N0}, load average {p.Load}"
                                  + (p.AuditSeconds is { } a ? $"; consistency {p.CheckSeconds:F2} s, audit {a:F2} s ({(p.AuditConsistent == true ? "consistent" : "NOT consistent")})" : ""));
                if (p.Seconds is null)
                {
                    break;
                }
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        var directory = options.OutputDirectory ?? Output.ReportWriter.DefaultDirectory("backfill");
        Directory.CreateDirectory(directory);
        var markdown = Render(points, load, Machine.LoadAverage());
        File.WriteAllText(Path.Combine(directory, "backfill.md"), markdown);
        File.WriteAllText(Path.Combine(directory, "backfill.json"), JsonSerializer.Serialize(points, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        Console.WriteLine(markdown);
        return directory;
    }

    private static async Task<BackfillPoint> MeasureAsync(
        IBenchCluster cluster, string coordinator, ClusterGroupsClient api, HttpClient nodes, long size, TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(cluster.Nodes.Select(async node =>
        {
            await UntilDoneAsync(() => nodes.DeleteAsync(new Uri(node, "/v1/groups/"), ct), ct);
            await UntilDoneAsync(() => nodes.PostAsJsonAsync(new Uri(node, "/admin/groups/bulk"), new { prefix = Prefix, count = size }, ct), ct);
        }).Append(DesiredSeed.WriteAsync(coordinator, Prefix, size, ct)));
        var loadSeconds = clock.Elapsed.TotalSeconds;

        await api.DrainNodeAsync(Joining, ct);
        await UntilDoneAsync(() => nodes.DeleteAsync(new Uri(cluster.Nodes[^1], "/v1/groups/"), ct), ct);
        var loadAverage = Machine.LoadAverage();
        await api.RejoinNodeAsync(Joining, ct);
        var started = Stopwatch.GetTimestamp();
        double? seconds = null;
        while (Stopwatch.GetElapsedTime(started) < limit)
        {
            var membership = await api.GetMembershipAsync(ct);
            if (membership.Members.Any(m => m.Name == Joining && m.Role == "Active"))
            {
                seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }

        long? held = null;
        if (await nodes.GetFromJsonAsync<JsonElement>(new Uri(cluster.Nodes[^1], "/v1/digest"), ct) is { } digest
            && digest.TryGetProperty("total", out var total))
        {
            held = total.GetInt64();
        }

        // Once active, every node holds the N groups the journal records as desired: the audit reads N desired states
        // and finds nothing to list.
        double? checkSeconds = null, auditSeconds = null;
        bool? auditConsistent = null;
        if (seconds is not null)
        {
            var check = Stopwatch.StartNew();
            await api.GetConsistencyAsync(ct);
            checkSeconds = Math.Round(check.Elapsed.TotalSeconds, 2);
            var audit = Stopwatch.StartNew();
            auditConsistent = (await api.GetConsistencyAsync(againstJournal: true, ct)).Consistent;
            auditSeconds = Math.Round(audit.Elapsed.TotalSeconds, 2);
        }

        return new BackfillPoint(size, Math.Round(loadSeconds, 1), seconds is { } s ? Math.Round(s, 1) : null,
            seconds is { } t ? Math.Round(size / t, 0) : null, held, loadAverage, checkSeconds, auditSeconds, auditConsistent);
    }

    // A store still settling answers 503 (both routes are safe to send again: a wipe, a bulk load that creates only
    // what is missing): up to 30 tries, a second apart.
    private static async Task UntilDoneAsync(Func<Task<HttpResponseMessage>> send, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await send();
            if (response.IsSuccessStatusCode || attempt == 30 || (int)response.StatusCode < 500)
            {
                response.EnsureSuccessStatusCode();
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    private static string Render(IReadOnlyList<BackfillPoint> points, string loadBefore, string loadAfter)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Backfill of a rejoining node: 3 nodes, node3 drained, wiped and rejoined (load average {loadBefore} before, {loadAfter} after)");
        md.AppendLine();
        md.AppendLine("| groups | bulk load (s) | node3 active after (s) | groups/s | node3 holds | load average at rejoin | consistency (s) | audit against the journal (s) |");
        md.AppendLine("|---:|---:|---:|---:|---:|---|---:|---:|");
        foreach (var p in points)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {p.Groups:N0} | {p.LoadSeconds:F1} | {(p.Seconds is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) : "not within the limit")} | {p.GroupsPerSecond:F0} | {p.Node3Groups:N0} | {p.Load} | {p.CheckSeconds:F2} | {(p.AuditSeconds is { } a ? a.ToString("F2", CultureInfo.InvariantCulture) + (p.AuditConsistent == true ? "" : " (not consistent)") : "")} |");
        }

        return md.ToString();
    }
}
