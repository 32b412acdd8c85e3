using ClusterGroups.Bench.Measurement;
using ClusterGroups.Bench.Output;
using ClusterGroups.Bench.Target;

namespace ClusterGroups.Bench.Scenarios;

// Everything measured on one started cluster, in order: warm-up; direct node writes (the physical reference) at each
// concurrency; Api create/delete at each concurrency; optionally faults. Faults come last: pending repairs they
// leave must not disturb a fault-free phase.
public static class SizeRun
{
    public static async Task<SizeResult> RunAsync(
        IBenchCluster cluster, BenchOptions options, string variant, bool withFaults, CancellationToken ct)
    {
        var profile = options.Profile;
        var clientBatching = variant is not (SizeRunVariants.NoBatching or SizeRunVariants.SingleCallClient);
        var (apiHttp, apiClient) = BenchHttp.ForApi(cluster.Api, options.ApiKey, batching: clientBatching, writesInFlight: options.ClientWritesInFlight);
        using var apiConnections = apiHttp;
        using var nodeHttp = BenchHttp.ForNodes(options.ClusterKey);
        var apiCalls = new ApiCalls(apiClient);
        var api = Workloads.Api(apiCalls);
        var direct = Workloads.Direct(new NodeCalls(nodeHttp, cluster.Nodes[0]));
        var chaos = new ChaosAdmin(nodeHttp, cluster.Nodes);
        var journal = cluster.Journal;

        Console.WriteLine($"N={cluster.NodeCount} ({variant}, journal {journal}, started in {cluster.StartSeconds} s): warm-up");
        await chaos.StableAsync(ct);
        foreach (var warm in (Func<OpRecorder, CancellationToken, Task>[])[direct, api])
        {
            await LoadRunner.RunAsync(16, profile.Warmup / 2, profile.Drain, profile.MaxOpsPerPhase, warm, null, ct);
        }

        // CPU at rest, measured once the cluster has settled and again after the fault-free phases; the lower figure
        // counts (freshly started services keep compiling and collecting in the background for a while).
        var idle = new Dictionary<Role, double>(await SettleAsync(cluster, profile, ct));
        var context = new PhaseContext(cluster, profile, idle, new NodeWrites(nodeHttp, cluster.Nodes));

        // The batching A/B's second "on" start measures the Api at c=1 alone: the comparison it is for.
        var latencyOnly = variant == SizeRunVariants.BatchingOnAgain;
        IReadOnlyList<int> apiConcurrency = latencyOnly ? [1] : BenchProfile.Concurrency;
        IReadOnlyList<int> directConcurrency = latencyOnly ? [] : BenchProfile.Concurrency;
        var directPhases = new List<PhaseResult>();
        foreach (var c in directConcurrency)
        {
            var spec = new PhaseSpec("direct", c, profile.Direct, CountStoreCommands: profile.CountStoreCommands && c == Analysis.Throughput);
            directPhases.Add(await Phase.RunAsync(spec, context, direct, ct));
        }

        var apiPhases = new List<PhaseResult>();
        foreach (var c in apiConcurrency)
        {
            // At c=1 each operation's own times are kept: the tail breakdown (one worker's samples, a few thousand).
            var spec = new PhaseSpec("api", c, c == 1 ? profile.ApiLatency : profile.ApiThroughput,
                CountStoreCommands: profile.CountStoreCommands && c == Analysis.Throughput, Tail: c == 1);
            apiPhases.Add(await Phase.RunAsync(spec, context, api, ct));
        }

        foreach (var (role, rate) in await IdleCpuAsync(cluster, profile.Idle, ct))
        {
            idle[role] = Math.Min(rate, idle.GetValueOrDefault(role, rate));
        }

        directPhases = [.. directPhases.Select(p => Phase.WithIdle(p, idle))];
        apiPhases = [.. apiPhases.Select(p => Phase.WithIdle(p, idle))];

        var faultPhases = new List<PhaseResult>();
        AfterFaults? after = null;
        if (withFaults)
        {
            foreach (var rate in BenchProfile.FaultRates)
            {
                await chaos.SetAsync(rate, ct);
                try
                {
                    faultPhases.Add(await Phase.RunAsync(
                        new PhaseSpec("api", BenchProfile.FaultConcurrency, profile.Fault, rate), context, api, ct));
                }
                finally
                {
                    await chaos.StableAsync(CancellationToken.None);
                }
            }

            after = await ApiChecks.AfterFaultsAsync(apiClient, profile.Drain, ct);
            Console.WriteLine($"  after faults: {after.OpenOperations} operations open; consistency: {after.Consistency}");
        }

        var apiOps = apiPhases.Sum(p => p.Operations);
        var apiCpuMs = apiPhases.Sum(p => p.NetCpuMsPerOp.GetValueOrDefault("api") * p.Operations);
        return new SizeResult(
            cluster.NodeCount,
            variant,
            journal,
            cluster.StartSeconds,
            idle.ToDictionary(kv => Phase.Name(kv.Key), kv => Math.Round(kv.Value * 100, 1)),
            directPhases,
            apiPhases,
            faultPhases,
            after,
            cluster.Processes.ApiPeakRssBytes() is { } peak ? Math.Round(peak / 1024.0 / 1024.0, 1) : null,
            cluster.Processes.ApiPid is not null && apiOps > 0 ? Math.Round(apiCpuMs / apiOps, 3) : null);
    }

    // Waits (up to profile.Settle) until the app's processes use less than SettledCores at rest: with 2 cores and 19
    // freshly started processes (N=9), background JIT and GC otherwise run into the first phases.
    private static async Task<IReadOnlyDictionary<Role, double>> SettleAsync(IBenchCluster cluster, BenchProfile profile, CancellationToken ct)
    {
        const double SettledCores = 0.15;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyDictionary<Role, double> idle;
        do
        {
            idle = await IdleCpuAsync(cluster, profile.Idle, ct);
        }
        while (AppCores(idle) > SettledCores && clock.Elapsed < profile.Settle);

        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"  at rest after {clock.Elapsed.TotalSeconds:F0} s: the app uses {AppCores(idle) * 100:F0} % of a core"));
        return idle;
    }

    private static double AppCores(IReadOnlyDictionary<Role, double> idle) =>
        idle.Where(kv => kv.Key != Role.Bench).Sum(kv => kv.Value);

    // CPU seconds per second each role uses with no load (after the warm-up).
    private static async Task<IReadOnlyDictionary<Role, double>> IdleCpuAsync(IBenchCluster cluster, TimeSpan span, CancellationToken ct)
    {
        var before = cluster.Processes.Sample();
        await Task.Delay(span, ct);
        return cluster.Processes.Sample().Since(before).ToDictionary(kv => kv.Key, kv => kv.Value / span.TotalSeconds);
    }
}
