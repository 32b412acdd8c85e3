using System.Globalization;

namespace ClusterGroups.Bench.Output;

// The issue's efficiency figures and targets, computed from the runs (fault-free figures from the default variant).
public static class Analysis
{
    public const int Throughput = 64;

    public static Figures Compute(IReadOnlyList<SizeResult> runs)
    {
        var main = runs.Where(r => r.Variant == SizeRunVariants.Default).ToList();
        double? CreateP50(int n) => main.FirstOrDefault(r => r.Nodes == n)?.ApiAt(1)?.Kind("create").P50Ms;
        double? Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? Math.Round(x / y, 3) : null;

        var capacity = main
            .Where(r => r.ApiAt(Throughput) is not null && r.DirectAt(Throughput) is { OpsPerSecond: > 0 })
            .ToDictionary(r => r.Nodes, r => Math.Round(r.ApiAt(Throughput)!.OpsPerSecond * r.Nodes / r.DirectAt(Throughput)!.OpsPerSecond, 3));

        JournalCost? journal = null;
        if (runs.FirstOrDefault(r => r.Variant == SizeRunVariants.InMemoryJournal) is { } without
            && main.FirstOrDefault(r => r.Nodes == without.Nodes) is { } with
            && with.ApiAt(1) is { } w1 && without.ApiAt(1) is { } o1 && with.ApiAt(Throughput) is { } w64 && without.ApiAt(Throughput) is { } o64)
        {
            journal = new JournalCost(with.Nodes, with.Journal, w1.Kind("create").P50Ms, o1.Kind("create").P50Ms, w64.OpsPerSecond, o64.OpsPerSecond);
        }

        return new Figures(Ratio(CreateP50(3), CreateP50(1)), Ratio(CreateP50(9), CreateP50(1)), capacity, journal);
    }

    public static IReadOnlyList<TargetCheck> Targets(IReadOnlyList<SizeResult> runs, Figures figures)
    {
        var checks = new List<TargetCheck>
        {
            AtMost("fan-out parallelism p50(create, N=3) / p50(N=1), c=1", figures.FanOutParallelism3, 1.3),
            AtMost("fan-out parallelism p50(create, N=9) / p50(N=1), c=1", figures.FanOutParallelism9, 2.0),
        };
        foreach (var (n, value) in figures.CapacityEfficiencyAt64.OrderBy(kv => kv.Key))
        {
            checks.Add(AtLeast($"capacity efficiency (Api ops/s x N) / direct ops/s, c=64, N={n}", value, 0.5));
        }

        var faulted = runs.FirstOrDefault(r => r.Variant == SizeRunVariants.Default && r.Faults.Count > 0);
        if (faulted?.Faults.FirstOrDefault(f => Math.Abs(f.FaultRate - 0.05) < 1e-9) is { } f5)
        {
            var clean = faulted.ApiAt(f5.Concurrency);
            checks.Add(AtLeast($"fault rate 0.05, N={faulted.Nodes}: share committed or already so", f5.SuccessRate, 0.999, percent: true));
            checks.Add(AtMost($"fault rate 0.05, N={faulted.Nodes}: p99 / fault-free p99 (c={f5.Concurrency})",
                clean is { Latency.P99Ms: > 0 } ? Math.Round(f5.Latency.P99Ms / clean.Latency.P99Ms, 2) : null, 5.0));
        }

        return checks;
    }

    private static TargetCheck AtMost(string target, double? value, double goal) =>
        new(target, $"<= {Format(goal)}", value is { } v ? Format(v) : "not measured", value is { } x ? x <= goal : null);

    private static TargetCheck AtLeast(string target, double? value, double goal, bool percent = false) =>
        new(target, $">= {(percent ? goal.ToString("P1", CultureInfo.InvariantCulture) : Format(goal))}",
            value is { } v ? (percent ? v.ToString("P2", CultureInfo.InvariantCulture) : Format(v)) : "not measured",
            value is { } x ? x >= goal : null);

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
