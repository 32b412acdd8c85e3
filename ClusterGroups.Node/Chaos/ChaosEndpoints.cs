using Microsoft.AspNetCore.Http.HttpResults;

namespace ClusterGroups.Node.Chaos;

// /admin/chaos: GET shows, PUT replaces the settings; the POST shortcuts back the Aspire dashboard's buttons.
public static class ChaosEndpoints
{
    public const double UnstableRate = 0.3;

    public static IEndpointRouteBuilder MapChaosAdmin(this IEndpointRouteBuilder app)
    {
        // Without a cluster key there is no way to tell the Api from anyone else: no admin endpoints at all.
        if (!ClusterKey.Required(app))
        {
            return app;
        }

        var admin = app.MapGroup("/admin/chaos").WithTags("Chaos").RequireClusterKey(app);
        admin.MapGet("/", (ChaosController chaos) => TypedResults.Ok(chaos.Status())).WithName("GetChaos");
        admin.MapPut("/", Put).WithName("SetChaos");
        admin.MapPost("/fail-next", Enqueue).WithName("FailNext");
        admin.MapPost("/unstable", (ChaosController chaos) =>
        {
            chaos.Set(new ChaosSettings { FaultRate = UnstableRate });
            return TypedResults.Ok(chaos.Status());
        }).WithName("MakeUnstable");
        admin.MapPost("/stable", (ChaosController chaos) =>
        {
            chaos.Set(new ChaosSettings());
            chaos.ClearFailNext();
            return TypedResults.Ok(chaos.Status());
        }).WithName("MakeStable");
        admin.MapPost("/fail-next-delete", (ChaosController chaos) =>
        {
            chaos.Enqueue(new FailNext(FaultKind.ErrorBeforeApply, "DELETE", 1));
            return TypedResults.Ok(chaos.Status());
        }).WithName("FailNextDelete");
        return app;
    }

    private static Results<Ok<ChaosStatus>, ProblemHttpResult> Put(ChaosSettings settings, ChaosController chaos)
    {
        var errors = ChaosController.Check(settings);
        if (errors.Count > 0)
        {
            return TypedResults.Problem(string.Join(" ", errors), statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }

        chaos.Set(settings);
        return TypedResults.Ok(chaos.Status());
    }

    private static Results<Ok<ChaosStatus>, ProblemHttpResult> Enqueue(FailNext failNext, ChaosController chaos)
    {
        if (failNext.Kind == FaultKind.None || failNext.Count is < 1 or > 1000
            || failNext.Method.ToUpperInvariant() is not ("GET" or "POST" or "DELETE" or ChaosSettings.Abort))
        {
            return TypedResults.Problem("kind must be a fault, method GET/POST/DELETE/ABORT, count 1-1000.",
                statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }

        chaos.Enqueue(failNext);
        return TypedResults.Ok(chaos.Status());
    }
}
