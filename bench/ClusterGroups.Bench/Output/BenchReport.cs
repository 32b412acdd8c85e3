using ClusterGroups.Bench.Measurement;

namespace ClusterGroups.Bench.Output;

// SpeedAtStart and SpeedAtEnd (MachineSpeed): absent in runs saved before the probe.
public sealed record MachineInfo(
    int Cores,
    string Cpu,
    double MemoryGb,
    string Os,
    string Runtime,
    string LoadAverageAtStart,
    string LoadAverageAtEnd,
    SpeedProbe? SpeedAtStart = null,
    SpeedProbe? SpeedAtEnd = null);

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

// Share: the journal's part of the create p50 at c=1, (with − without) / with.
public sealed record JournalCost(int Nodes, string WithJournal, double CreateP50WithMs, double CreateP50WithoutMs, double OpsPerSecondWithAt64, double OpsPerSecondWithoutAt64)
{
    public double? Share => CreateP50WithMs > 0 ? Math.Round((CreateP50WithMs - CreateP50WithoutMs) / CreateP50WithMs, 3) : null;
}

// Issue 15's figures, all at c=1 unless named: ApiOverDirect3 p50(Api create, N=3) / p50(direct POST, N=3);
// FanOutParallelism9 p50(create, N=9) / p50(N=1); TailRatio9 p99(create, N=9) / its p50; capacity and the Api's net
// CPU ms per operation at c=64, by N (the CPU is reported, not a target).
public sealed record Figures(
    double? ApiOverDirect3,
    double? FanOutParallelism9,
    double? TailRatio9,
    IReadOnlyDictionary<int, double> CapacityEfficiencyAt64,
    IReadOnlyDictionary<int, double> ApiCpuMsPerOpAt64,
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
    IReadOnlyList<string> Notes,
    SeedClientResult SeedClient)
{
    public IEnumerable<SizeResult> Main => Runs.Where(r => r.Variant == SizeRunVariants.Default);
}

// One phase of the seed's client: operations (a create or a delete) at this many threads, each waiting for its last.
public sealed record SeedPhase(int Concurrency, int Operations, int Failed, double Seconds, double OpsPerSecond, double? P50Ms, double? P99Ms);

// The seed's client measured in this run (Scenarios/SeedClientRun), or why it was not.
public sealed record SeedClientResult(string? Repository, string? Commit, string? Python, IReadOnlyList<SeedPhase> Phases, string? NotMeasuredBecause)
{
    // The figure issue 27 was filed with (its machine, not this run): the targets fall back to it, and say so.
    public const double IssueFigure = 52.6;

    public SeedPhase? At(int concurrency) => Phases.FirstOrDefault(p => p.Concurrency == concurrency);

    public static SeedClientResult NotMeasured(string because) => new(null, null, null, [], because);
}

public static class SizeRunVariants
{
    public const string Default = "default";
    public const string InMemoryJournal = "in-memory journal";

    // The Api with Cluster:Batching:Enabled=false and the client without batching: every write its own request to the
    // Api and to each node (the batching A/B).
    public const string NoBatching = "no batching";

    // The default start once more right after the batching A/B's, c=1 only: with the main start before it, an
    // on-off-on order, so that the c=1 comparison does not rest on which start came first. At c=1 a write goes alone
    // either way (a node that is idle gets single calls), so what one on-off pair differs by is the machine's drift
    // between the two starts: 16 % at p99 in the full run of 2026-12-08 01:56 on the paravirtualized machine.
    public const string BatchingOnAgain = "batching on, again";

    // Every node adds a round trip to each request (Node:NetworkDelay): the Api's batching and the direct client alike.
    public const string NodeRoundTrip = "round trip to the nodes";

    // The Api batching as in the main starts, its caller without (ClusterGroupsClientOptions.Batching=false): every
    // write its own request to the Api, as a client that does not batch sends it.
    public const string SingleCallClient = "single-call client";
}
