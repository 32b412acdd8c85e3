using System.Globalization;
using ClusterGroups.Bench.Measurement;
using ClusterGroups.Bench.Output;
using ClusterGroups.Bench.Target;

namespace ClusterGroups.Bench.Scenarios;

// CountStoreCommands: read the stores' command counters around the phase (Garnet samples them once a second, so the
// phase then waits for one more sample before reading). Tail: keep every operation's timings and break the tail down.
public sealed record PhaseSpec(
    string Path, int Concurrency, TimeSpan Duration, double FaultRate = 0, bool CountStoreCommands = false, bool Tail = false);

// The cluster under load and its processes' CPU use at rest, which is taken off each phase's CPU per operation.
// Writes: the nodes' write counters (requests per operation, writes per request), when the nodes keep them.
public sealed record PhaseContext(
    IBenchCluster Cluster, BenchProfile Profile, IReadOnlyDictionary<Role, double> IdleCpuPerSecond, NodeWrites? Writes = null);

// Runs one phase of load and measures around it: CPU by role, store commands, connections to the nodes.
public static class Phase
{
    private static readonly TimeSpan StoreSampling = TimeSpan.FromSeconds(1.2);

    public static async Task<PhaseResult> RunAsync(
        PhaseSpec spec, PhaseContext context, Func<OpRecorder, CancellationToken, Task> iteration, CancellationToken ct)
    {
        var (cluster, profile) = (context.Cluster, context.Profile);
        var nodePorts = cluster.Nodes.Select(n => n.Port).ToHashSet();
        var stores = spec.CountStoreCommands ? cluster.Stores : [];
        var coordinator = spec.CountStoreCommands && cluster.Coordinator is { } c ? new[] { c } : [];
        if (spec.CountStoreCommands)
        {
            // Let the counters catch up with the phase before (Garnet samples them).
            await Task.Delay(StoreSampling, ct);
        }

        var storesBefore = await CommandsAsync(stores, ct);
        var coordinatorBefore = await CommandsAsync(coordinator, ct);
        var writesBefore = context.Writes is { } w ? await w.ReadAsync(ct) : null;
        var cpuBefore = cluster.Processes.Sample();
        (int Established, int TimeWait)? connections = null;

        var run = await LoadRunner.RunAsync(spec.Concurrency, spec.Duration, profile.Drain, profile.MaxOpsPerPhase, iteration,
            () =>
            {
                connections = ProcFs.ConnectionsTo(nodePorts);
                return Task.CompletedTask;
            }, ct, keepSamples: spec.Tail);

        var cpu = cluster.Processes.Sample().Since(cpuBefore);
        if (spec.CountStoreCommands)
        {
            await Task.Delay(StoreSampling, ct);
        }

        var storesAfter = await CommandsAsync(stores, ct);
        var coordinatorAfter = await CommandsAsync(coordinator, ct);
        var writesAfter = context.Writes is { } wa ? await wa.ReadAsync(ct) : null;
        var (requests, writes) = writesBefore is { } b && writesAfter is { } a ? (a.Requests - b.Requests, a.Writes - b.Writes) : (0L, 0L);

        var recorded = run.Recorded;
        var ops = Math.Max(1, recorded.Operations);
        var result = new PhaseResult(
            spec.Path,
            cluster.NodeCount,
            spec.Concurrency,
            spec.FaultRate,
            Math.Round(run.Elapsed.TotalSeconds, 3),
            recorded.Operations,
            Math.Round(recorded.Operations / run.Elapsed.TotalSeconds, 1),
            run.Truncated,
            LatencySummary.Of(recorded.All()),
            recorded.Latency.ToDictionary(kv => kv.Key, kv => LatencySummary.Of(kv.Value)),
            new SortedDictionary<string, long>(recorded.Outcomes, StringComparer.Ordinal),
            Math.Round((double)recorded.Succeeded / ops, 6),
            recorded.NodeCallsReported > 0 ? Math.Round((double)recorded.NodeCalls / recorded.NodeCallsReported, 3) : null,
            cpu.ToDictionary(kv => Name(kv.Key), kv => Math.Round(kv.Value * 1000 / ops, 3)),
            new Dictionary<string, double>(),
            PerOp(storesBefore, storesAfter, ops),
            PerOp(coordinatorBefore, coordinatorAfter, ops),
            connections?.Established,
            connections?.TimeWait,
            LatencySummary.Of(recorded.NoRetryAfter),
            recorded.MetRetryAfter,
            spec.Tail ? TailBreakdown.Of(recorded.Samples) : null,
            requests > 0 ? Math.Round((double)requests / ops, 3) : null,
            requests > 0 ? Math.Round((double)writes / requests, 2) : null);
        result = WithIdle(result, context.IdleCpuPerSecond);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  N={result.Nodes} {result.Path,-6} c={result.Concurrency,-2} faults={result.FaultRate,-4}: {result.Operations,6} ops in {result.Seconds,5:F1} s = {result.OpsPerSecond,7:F0} ops/s; p50 {result.Latency.P50Ms:F2} ms, p99 {result.Latency.P99Ms:F2} ms; ok {result.SuccessRate:P2}; node requests/op {result.NodeRequestsPerOp:F2}, writes/request {result.WritesPerNodeRequest:F2}"));
        if (result.MetRetryAfter > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {result.MetRetryAfter} ops met a node's Retry-After; the others: p50 {result.NoRetryAfter.P50Ms:F2} ms, p99 {result.NoRetryAfter.P99Ms:F2} ms"));
        }

        if (result.Tail is { } tail)
        {
            TailConsole.Print(tail);
        }

        return result;
    }

    private static async Task<long?> CommandsAsync(IReadOnlyList<string> stores, CancellationToken ct)
    {
        if (stores.Count == 0)
        {
            return null;
        }

        var counts = await Task.WhenAll(stores.Select(s => StoreStats.CommandsProcessedAsync(s, ct)));
        return counts.Any(c => c is null) ? null : counts.Sum(c => c!.Value);
    }

    // CPU per operation less what the processes use at rest over the phase's duration.
    public static PhaseResult WithIdle(PhaseResult phase, IReadOnlyDictionary<Role, double> idlePerSecond) => phase with
    {
        NetCpuMsPerOp = Enum.GetValues<Role>()
            .Where(role => phase.CpuMsPerOp.ContainsKey(Name(role)))
            .ToDictionary(Name, role => Math.Round(Math.Max(0,
                phase.CpuMsPerOp[Name(role)] - idlePerSecond.GetValueOrDefault(role) * phase.Seconds * 1000 / Math.Max(1, phase.Operations)), 3)),
    };

    public static string Name(Role role) => role.ToString().ToLowerInvariant();

    private static double? PerOp(long? before, long? after, long ops) =>
        before is { } b && after is { } a ? Math.Round((double)(a - b) / ops, 3) : null;
}
