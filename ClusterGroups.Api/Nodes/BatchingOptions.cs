using System.ComponentModel.DataAnnotations;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Nodes;

// Cluster:Batching:* — natural batching of the writes toward each of our nodes (BatchingNodeClient).
public sealed class BatchingOptions
{
    // On by default since the benchmark's A/B on a quiet machine (2026-12-05, N=3): c=1 p50 2.88 ms on against 3.53 off
    // (a lone write is its single call), c=64 2 071 against 1 294 ops/s, Api CPU 0.29 against 0.52 ms per operation.
    // false: every write its own request (the A/B switch). The simulator runs with it on; the benchmark measures both.
    public bool Enabled { get; set; } = true;

    // While Enabled, the operations' writes to a Redis coordinator (starts, begins, saves, closes) batch too, in one
    // script per request (RedisCoordinator, CoordinatorWriteQueue); false: only the writes to the nodes do.
    // Off by default: the quiet A/B of 2026-12-05 showed no gain (c=64, N=3: 1 455-1 490 ops/s on, 1 472 off). The
    // stall seen twice with it on (no acknowledgement for 90 s after kill -9 of a redis-server coordinator) was very
    // likely the Api stopping on LOADING (RedisStore), since fixed: 3 of 3 of those runs pass with it on, and 3 of 3
    // again on 2026-12-05 (19:25-19:40). The simulator runs with it on (SimReplica).
    public bool Coordinator { get; set; }

    // The most writes one batch request carries; more wait for the next one. At most the node's own bound.
    [Range(2, NodeBatch.MaxItems)]
    public int MaxItems { get; set; } = 128;
}
