using ClusterGroups.Api.Cluster;
using ClusterGroups.Web.Startup;

namespace ClusterGroups.Api.Startup;

// docs/ARCHITECTURE.md, "Cold start": before the Api listens, one GET / per node through the node client, as the health
// check makes it. The client's handlers, its resilience pipelines per node, service discovery's answer and a first
// connection to each node then exist, and their code is compiled, before the first callers' operations need them. A
// node that is down does not hold the start: its call fails like any other, and the step is done.
public sealed class NodeClientWarmUp(ClusterScan scan) : IWarmUp
{
    public string Name => "node client";

    public Task RunAsync(CancellationToken ct) => scan.StatusAsync(withCounts: false, ct);
}
