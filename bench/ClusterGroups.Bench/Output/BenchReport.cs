using ClusterGroups.Bench.Measurement;

namespace ClusterGroups.Bench.Output;

public sealed record MachineInfo(int Cores, string Cpu, double MemoryGb, string Os, string Runtime, string LoadAverageAtStart, string LoadAverageAtEnd);

// After the fault phases: operations the Api still had open, and its consistency report once they closed.
public sealed record AfterFaults(int OpenOperations, string Consistency);

// Everything measured on one app start (one node count, one journal variant).
public sealed record SizeResult(
    int Nodes,
    string Variant,
    string Journal,
    double StartSeconds,
    IReadOnlyDictionary<string, double> IdleCpuPercent,
    IReadOnlyList<PhaseResult> Direct,
    IReadOnlyList<PhaseResult> Api,
    IReadOnlyList<PhaseResult> Faults,
    AfterFaults? AfterFaults,
    double? ApiPeakMemoryMb,
    double? ApiCpuSecondsPer1000Ops)
{
    public PhaseResult? ApiAt(int concurrency) => Api.FirstOrDefault(p => p.Concurrency == concurrency);
    public PhaseResult? DirectAt(int concurrency) => Direct.FirstOrDefault(p => p.Concurrency == concurrency);
}

public sealed record TargetCheck(string Target, string Goal, string Measured, bool? Met);

public sealed record JournalCost(int Nodes, string WithJournal, double CreateP50WithMs, double CreateP50WithoutMs, double OpsPerSecondWithAt64, double OpsPerSecondWithoutAt64);

public sealed record Figures(
    double? FanOutParallelism3,
    double? FanOutParallelism9,
    IReadOnlyDictionary<int, double> CapacityEfficiencyAt64,
    JournalCost? Journal);

public sealed record BenchReport(
    string Mode,
    string Store,
    DateTimeOffset StartedAt,
    double TotalSeconds,
    string? Commit,
    MachineInfo Machine,
    IReadOnlyList<SizeResult> Runs,
    Figures Figures,
    IReadOnlyList<TargetCheck> Targets,
    IReadOnlyList<string> Notes)
{
    public IEnumerable<SizeResult> Main => Runs.Where(r => r.Variant == SizeRunVariants.Default);
}

public static class SizeRunVariants
{
    public const string Default = "default";
    public const string InMemoryJournal = "in-memory journal";
}
