using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Nodes;

// Cluster:* in the Api (docs/ARCHITECTURE.md, "Resources and settings"). Nodes is a list: Cluster:Nodes:0=node1
// (service discovery) or an absolute URL.
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    [MinLength(1, ErrorMessage = "Cluster:Nodes lists no node; set Cluster:Nodes:0, Cluster:Nodes:1, ...")]
    public List<string> Nodes { get; set; } = [];

    // How many node calls one operation runs at once.
    [Range(1, 256)]
    public int MaxParallelism { get; set; } = 16;

    [Required, ValidateObjectMembers]
    public ResilienceSettings Resilience { get; set; } = new();

    [Required, ValidateObjectMembers]
    public BatchingOptions Batching { get; set; } = new();

    // How the Api speaks to a node, by node name: "keyed" (ours: keys, fences, aborts) or "seed" (read before
    // writing). A node not named here is probed (GET /) before it is first written (NodeDialects).
    public Dictionary<string, string> Dialects { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
