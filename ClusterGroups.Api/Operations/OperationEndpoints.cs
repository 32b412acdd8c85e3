using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClusterGroups.Api.Operations;

public static class OperationEndpoints
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var operations = app.MapGroup("/v1/operations").WithTags("Operations").RequireCaller(app, reads: true);

        operations.MapGet("/{operationId}", Get)
            .WithName("GetOperation")
            .WithSummary("One operation's report: outcome, and per node what was done, every call, the rollback");

        operations.MapGet("/", List)
            .WithName("ListOperations")
            .WithSummary("Recent operations, newest first; state=open lists those still running or pending repair");

        return app;
    }

    private static async Task<Results<Ok<OperationReport>, ProblemHttpResult>> Get(
        string operationId, IOperationJournal journal, CancellationToken ct) =>
        await journal.GetAsync(operationId, ct) is { } op
            ? TypedResults.Ok(OperationReports.From(op))
            : TypedResults.Problem($"No operation '{operationId}' is known.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static async Task<Results<Ok<OperationList>, ProblemHttpResult>> List(
        IOperationJournal journal, CancellationToken ct, string? state = null, int limit = 100)
    {
        if (state is not (null or "open" or "all"))
        {
            return TypedResults.Problem("state must be 'open' or 'all'.", statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }

        if (limit is < 1 or > 1000)
        {
            return TypedResults.Problem("limit must be 1-1000.", statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }

        return TypedResults.Ok(new OperationList([.. (await journal.ListAsync(state == "open", limit, ct)).Select(OperationReports.From)]));
    }
}
