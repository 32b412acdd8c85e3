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
    // On by default since 2026-12-06: five alternated pairs of quick runs (c=64, N=3, Production) cut the coordinator's
    // requests per operation from 2.27-2.29 to 0.39-0.41 and the Api's CPU from 0.289-0.401 to 0.206-0.268 ms per
    // operation (lower in each pair), at the same ops/s (within the noise); docs/ARCHITECTURE.md, "Group commit toward
    // the coordinator". Off by default before that: no throughput gain (2026-12-05), and a stall with it on after
    // kill -9 of a redis-server coordinator, very likely the Api stopping on LOADING (RedisStore), fixed since. The
    // simulator runs with it on (SimReplica).
    public bool Coordinator { get; set; } = true;

    // The most writes one batch request carries; more wait for the next one. At most the node's own bound.
    [Range(2, NodeBatch.MaxItems)]
    public int MaxItems { get; set; } = 128;
}
