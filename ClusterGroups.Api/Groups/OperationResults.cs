using System.Text.Json;
using ClusterGroups.Api.FanOut;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Groups;

// An operation's outcome class as an HTTP answer a caller can act on without reading the body:
//   committed        create 201 Created, delete 200 OK (as a single node answers)
//   already so       create 409 Conflict (the group exists), delete 404 Not Found (no node has it)
//   rolled back      503 Service Unavailable + Retry-After: nothing changed, safe to send again
//   pending repair   202 Accepted + Location /v1/operations/{id}: failed, the Api finishes the rollback itself
//   abandoned        502 Bad Gateway + Location /v1/operations/{id}: failed, and an operator gave its repair up; the
//                    nodes may differ (only a replica taken over meets this: the journal's answer is the operator's)
//   taken over       this replica lost the operation to another (its lease lapsed): the answer is what the journal
//                    holds; still running there -> 202 Accepted + Location, to follow until it closes
// Failure answers are problem+json whose extension members are the operation report's fields.
public static class OperationResults
{
    public static Results<Created<OperationReport>, Ok<OperationReport>, Accepted<OperationReport>, ProblemHttpResult> From(
        FanOutResult result, HttpContext http)
    {
        var report = OperationReports.From(result.Operation!);
        return From(result.LostToLaterOwner
            ? report with { Summary = $"taken over by another Api replica; {(report.IsOpen ? $"follow /v1/operations/{report.OperationId}" : "it finished the operation")}: {report.Summary}" }
            : report, http);
    }

    public static Results<Created<OperationReport>, Ok<OperationReport>, Accepted<OperationReport>, ProblemHttpResult> From(
        OperationReport report, HttpContext http)
    {
        switch (report.Outcome)
        {
            case Outcome.Running:
                return TypedResults.Accepted($"/v1/operations/{report.OperationId}", report);
            case Outcome.Committed when report.Kind == OperationKind.Create:
                return TypedResults.Created($"/v1/group/{report.GroupId}/", report);
            case Outcome.Committed:
                return TypedResults.Ok(report);
            case Outcome.PendingRepair:
                return TypedResults.Accepted($"/v1/operations/{report.OperationId}", report);
            case Outcome.AlreadySo when report.Kind == OperationKind.Create:
                return Problem(http, report, StatusCodes.Status409Conflict, "The group already exists on every node");
            case Outcome.AlreadySo:
                return Problem(http, report, StatusCodes.Status404NotFound, "The group exists on no node");
            case Outcome.Abandoned:
                // Neither "nothing changed" (a node may still hold what the operation did) nor "being repaired" (no
                // one will): the nodes failed it, and the report says where.
                http.Response.Headers.Location = $"/v1/operations/{report.OperationId}";
                return Problem(http, report, StatusCodes.Status502BadGateway,
                    "The operation failed and an operator gave up its repair; the nodes may differ");
            case Outcome.RolledBack:
            default:
                http.Response.Headers.RetryAfter = "1";
                return Problem(http, report, StatusCodes.Status503ServiceUnavailable,
                    "The operation failed on some node and was rolled back; nothing changed");
        }
    }

    public static ProblemHttpResult Busy(HttpContext http, string refusal)
    {
        http.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem($"{refusal} Send again.", statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Group busy", extensions: new Dictionary<string, object?> { ["outcome"] = "Busy" });
    }

    // A problem whose extension members are the operation report's fields.
    public static ProblemHttpResult Problem(HttpContext http, OperationReport report, int status, string title, string? detail = null)
    {
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var extensions = new Dictionary<string, object?>();
        foreach (var property in JsonSerializer.SerializeToElement(report, json).EnumerateObject())
        {
            extensions[property.Name] = property.Value;
        }

        return TypedResults.Problem(detail ?? report.Summary, statusCode: status, title: title, extensions: extensions);
    }
}
