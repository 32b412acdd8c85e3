using System.ComponentModel.DataAnnotations;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Nodes;

// Cluster:Batching:* — natural batching of the writes toward each of our nodes (BatchingNodeClient).
public sealed class BatchingOptions
{
    // Off: every write is its own request, as before (the benchmark's A/B switch).
    public bool Enabled { get; set; } = true;

    // The most writes one batch request carries; more wait for the next one. At most the node's own bound.
    [Range(2, NodeBatch.MaxItems)]
    public int MaxItems { get; set; } = 128;
}
