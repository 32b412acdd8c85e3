namespace ClusterGroups.Bench.Measurement;

// One measured phase: which path (direct to a node, or through the Api), at what concurrency and fault rate, and
// what it cost. CpuMsPerOp is CPU time per operation by role (api, nodes, stores: the nodes', journal: the coordinator's store,
// orchestration, bench); NetCpuMsPerOp
// the same less what those processes use at rest (health checks, telemetry, timers) over the phase's duration.
// NoRetryAfter: the latency of the operations that met no node's Retry-After (MetRetryAfter: how many did; the
// protocol honoured it, waiting up to Cluster:Resilience:MaxRetryAfter). Tail: where the time of the slowest
// operations goes (c=1 Api phases). NodeRequestsPerOp: write requests the nodes served per operation;
// WritesPerNodeRequest: writes per such request (1 without batching; the mean batch size with it).
public sealed record PhaseResult(
    string Path,
    int Nodes,
    int Concurrency,
    double FaultRate,
    double Seconds,
    long Operations,
    double OpsPerSecond,
    bool Truncated,
    LatencySummary Latency,
    IReadOnlyDictionary<string, LatencySummary> ByKind,
    IReadOnlyDictionary<string, long> Outcomes,
    double SuccessRate,
    double? NodeCallsPerOp,
    IReadOnlyDictionary<string, double> CpuMsPerOp,
    IReadOnlyDictionary<string, double> NetCpuMsPerOp,
    double? StoreCommandsPerOp,
    double? CoordinatorCommandsPerOp,
    int? ConnectionsToNodes,
    int? TimeWaitToNodes,
    LatencySummary NoRetryAfter,
    long MetRetryAfter,
    TailBreakdown? Tail,
    double? NodeRequestsPerOp = null,
    double? WritesPerNodeRequest = null)
{
    public LatencySummary Kind(string kind) => ByKind.TryGetValue(kind, out var summary) ? summary : Latency;
}
