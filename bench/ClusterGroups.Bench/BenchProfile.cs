namespace ClusterGroups.Bench;

// How long each phase runs. Every phase is bounded in time and in operations; in-flight requests at the deadline
// finish (up to Drain) and count.
public sealed record BenchProfile(
    TimeSpan Warmup,
    TimeSpan Idle,
    TimeSpan Settle,
    TimeSpan Direct,
    TimeSpan ApiLatency,
    TimeSpan ApiThroughput,
    TimeSpan Fault,
    TimeSpan Drain,
    int MaxOpsPerPhase,
    bool CountStoreCommands = true)
{
    public static readonly IReadOnlyList<int> Concurrency = [1, 16, 64, 256];
    public static readonly IReadOnlyList<double> FaultRates = [0.05, 0.2];

    // Faults are measured at this concurrency, and compared with the fault-free phase at the same concurrency.
    public const int FaultConcurrency = 16;

    public static readonly BenchProfile FullRun = new(
        Warmup: TimeSpan.FromSeconds(6),
        Idle: TimeSpan.FromSeconds(2),
        Settle: TimeSpan.FromSeconds(60),
        Direct: TimeSpan.FromSeconds(6),
        ApiLatency: TimeSpan.FromSeconds(15),
        ApiThroughput: TimeSpan.FromSeconds(10),
        Fault: TimeSpan.FromSeconds(40),
        Drain: TimeSpan.FromSeconds(60),
        MaxOpsPerPhase: 500_000);

    // Warm-up 3 s: with 1 s the first c=1 phase measured JIT compilation (p50 20 ms against 3 ms warm).
    public static readonly BenchProfile QuickRun = new(
        Warmup: TimeSpan.FromSeconds(3),
        Idle: TimeSpan.FromSeconds(0.5),
        Settle: TimeSpan.FromSeconds(8),
        Direct: TimeSpan.FromSeconds(1),
        ApiLatency: TimeSpan.FromSeconds(2),
        ApiThroughput: TimeSpan.FromSeconds(1.5),
        Fault: TimeSpan.FromSeconds(3),
        Drain: TimeSpan.FromSeconds(30),
        MaxOpsPerPhase: 100_000,
        CountStoreCommands: false);
}
