namespace ClusterGroups.Node.Groups;

// GET /admin/writes (cluster key): WriteCounts, for the benchmark.
public static class WriteCountEndpoints
{
    public static IEndpointRouteBuilder MapWriteCountsAdmin(this IEndpointRouteBuilder app)
    {
        if (!ClusterKey.Required(app))
        {
            return app;
        }

        app.MapGet("/admin/writes", (WriteCounts counts) => TypedResults.Ok(counts.View()))
            .WithTags("Admin").WithName("WriteCounts").RequireClusterKey(app);
        return app;
    }
}
