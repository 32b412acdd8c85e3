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

        cluster.MapGet("/consistency", Consistency)
            .WithName("Consistency")
            .WithSummary("Every group that is not on all nodes (where it is, where not, its last operation); empty = consistent");

        return app;
    }

    private static async Task<Ok<ConsistencyReport>> Consistency(ConsistencyCheck check, CancellationToken ct) =>
        TypedResults.Ok(await check.RunAsync(ct));

    private static async Task<Ok<ClusterView>> Status(ClusterScan scan, CancellationToken ct) =>
        TypedResults.Ok(await scan.StatusAsync(ct));
}
