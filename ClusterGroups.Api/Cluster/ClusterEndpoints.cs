using Microsoft.AspNetCore.Http.HttpResults;

namespace ClusterGroups.Api.Cluster;

public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        var cluster = app.MapGroup("/v1/cluster").WithTags("Cluster");

        cluster.MapGet("/", Status)
            .WithName("ClusterStatus")
            .WithSummary("The nodes: name, address, reachable, latency, group count");

        return app;
    }

    private static async Task<Ok<ClusterView>> Status(ClusterScan scan, CancellationToken ct) =>
        TypedResults.Ok(await scan.StatusAsync(ct));
}
