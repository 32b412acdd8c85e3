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
            .WithSummary("The nodes: name, address, reachable, latency, group count (from the digest)");

        cluster.MapGet("/consistency", Consistency)
            .WithName("Consistency")
            .WithSummary("Every group that is not on all nodes (where it is, where not, its last operation, its desired state); found by comparing bucket digests; empty = consistent")
            .WithDescription("journal=true (the audit): also every group on which all nodes differ from the journal's desired state "
                             + "(every node holds it, the journal decided it absent; or none does, the journal decided it present); "
                             + "reads every recorded desired state, O(groups)");

        repairs.MapPost("/reconcile", Reconcile)
            .WithName("Reconcile")
            .WithSummary("Repair divergent groups: those the journal explains always; others only by the chosen policy")
            .WithDescription("policy: report (default: only list what the journal cannot explain) · presence-wins (create it "
                             + "everywhere) · absence-wins (delete it everywhere) · majority (what most nodes have; a tie is listed). "
                             + "journal=true: against the journal's desired state too (see Consistency)");

        return app;
    }

    private static async Task<Results<Ok<ReconcileReport>, ProblemHttpResult>> Reconcile(
        Reconciler reconciler, CancellationToken ct, string? policy = null, bool journal = false)
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
            ? TypedResults.Ok(await reconciler.RunAsync(p, journal, ct))
            : TypedResults.Problem("policy must be report, presence-wins, absence-wins or majority.",
                statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
    }

    private static async Task<Ok<ConsistencyReport>> Consistency(ConsistencyCheck check, CancellationToken ct, bool journal = false) =>
        TypedResults.Ok(await check.RunAsync(journal, ct));

    private static async Task<Ok<ClusterView>> Status(ClusterScan scan, CancellationToken ct) =>
        TypedResults.Ok(await scan.StatusAsync(withCounts: true, ct));
}
