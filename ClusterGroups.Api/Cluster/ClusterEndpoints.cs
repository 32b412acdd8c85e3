using ClusterGroups.Api.Reconciliation;
using ClusterGroups.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClusterGroups.Api.Cluster;

public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        var cluster = app.MapGroup("/v1/cluster").WithTags("Cluster").RequireApiRole(app, ApiRoles.Read);
        var repairs = app.MapGroup("/v1/cluster").WithTags("Cluster").RequireApiRole(app, ApiRoles.ReconcilePolicy);

        cluster.MapGet("/", Status)
            .WithName("ClusterStatus")
            .WithSummary("The nodes: name, address, reachable, latency, group count");

        cluster.MapGet("/consistency", Consistency)
            .WithName("Consistency")
            .WithSummary("Every group that is not on all nodes (where it is, where not, its last operation); empty = consistent");

        repairs.MapPost("/reconcile", Reconcile)
            .WithName("Reconcile")
            .WithSummary("Repair divergent groups: those the journal explains always; others only by the chosen policy")
            .WithDescription("policy: report (default: only list what the journal cannot explain) · presence-wins (create it "
                             + "everywhere) · absence-wins (delete it everywhere) · majority (what most nodes have; a tie is listed)");

        return app;
    }

    private static async Task<Results<Ok<ReconcileReport>, ProblemHttpResult>> Reconcile(
        Reconciler reconciler, CancellationToken ct, string? policy = null)
    {
        UnexplainedPolicy? parsed = policy switch
        {
            null or "report" => UnexplainedPolicy.Report,
            "presence-wins" => UnexplainedPolicy.PresenceWins,
            "absence-wins" => UnexplainedPolicy.AbsenceWins,
            "majority" => UnexplainedPolicy.Majority,
            _ => null,
        };
        return parsed is { } p
            ? TypedResults.Ok(await reconciler.RunAsync(p, ct))
            : TypedResults.Problem("policy must be report, presence-wins, absence-wins or majority.",
                statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
    }

    private static async Task<Ok<ConsistencyReport>> Consistency(ConsistencyCheck check, CancellationToken ct) =>
        TypedResults.Ok(await check.RunAsync(ct));

    private static async Task<Ok<ClusterView>> Status(ClusterScan scan, CancellationToken ct) =>
        TypedResults.Ok(await scan.StatusAsync(ct));
}
