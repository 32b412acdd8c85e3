using System.ComponentModel.DataAnnotations;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Nodes;

// Cluster:Batching:* — natural batching of the writes toward each of our nodes (BatchingNodeClient).
public sealed class BatchingOptions
{
    // Off by default until the benchmark's A/B on a quiet machine shows it meets issue 27's c=1 latency bound (every
    // write its own request, as before). The simulator runs with it on; the benchmark measures both.
    public bool Enabled { get; set; }

    // The most writes one batch request carries; more wait for the next one. At most the node's own bound.
    [Range(2, NodeBatch.MaxItems)]
    public int MaxItems { get; set; } = 128;
}
