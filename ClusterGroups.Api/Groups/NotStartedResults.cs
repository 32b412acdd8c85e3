using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Operations;
using ClusterGroups.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClusterGroups.Api.Groups;

// The answer to a create or delete that started nothing (FanOutResult.NotStarted):
//   past deadline    504 problem+json: the Request-Deadline had passed before the operation could start; nothing done
//   key used, same request (kind and groupId): the first request's operation as it stands now, answered as that
//                    request was or would be now (OperationResults), except while it still runs: 409 "in progress"
//                    with its operationId and outcome "Running" (the IETF draft's rule), to follow
//   key used, another request: 422 problem+json, nothing done
//   key refused past its deadline (KeyedRequest.IsPastDeadline), same request: 504 as above, nothing done
public static class NotStartedResults
{
    public static async Task<Results<Created<OperationReport>, Ok<OperationReport>, Accepted<OperationReport>, ProblemHttpResult>> FromAsync(
        StartRefusal refusal, OperationKind kind, string groupId, HttpContext http, ICoordinator coordinator)
    {
        switch (refusal)
        {
            case StartRefusal.KeyUsed { Request: var first } when !first.IsSameRequest(kind, groupId):
                return TypedResults.Problem(
                    $"This {ApiHeaders.IdempotencyKey} was sent with another request ({first.Kind} '{first.GroupId}'); nothing was done. "
                    + "Use a new key for a new request.",
                    statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key used for another request");
            case StartRefusal.KeyUsed { Request.IsPastDeadline: true }:
                // This key's request was refused past its deadline (this try or an earlier one): nothing began.
                return PastDeadline();
            case StartRefusal.KeyUsed { Request: var first }:
                if (await coordinator.GetAsync(first.OperationId, http.RequestAborted) is not { } op)
                {
                    // The key outlived its entry (the in-memory journal keeps a bounded number): never a second operation.
                    return TypedResults.Problem(
                        $"This {ApiHeaders.IdempotencyKey} started {first.OperationId}, whose record is no longer kept; nothing was done.",
                        statusCode: StatusCodes.Status409Conflict, title: "Idempotency-Key already used",
                        extensions: new Dictionary<string, object?> { ["operationId"] = first.OperationId });
                }

                var report = OperationReports.From(op);
                if (report.Outcome != Outcome.Running)
                {
                    return OperationResults.From(report, http);
                }

                http.Response.Headers.Location = $"/v1/operations/{report.OperationId}";
                return OperationResults.Problem(http, report, StatusCodes.Status409Conflict,
                    "An earlier request with this Idempotency-Key is still running",
                    $"The request with this {ApiHeaders.IdempotencyKey} is still running as {report.OperationId}: follow /v1/operations/{report.OperationId}.");
            default:
                return PastDeadline();
        }
    }

    private static ProblemHttpResult PastDeadline() => TypedResults.Problem(
        $"The {ApiHeaders.RequestDeadline} had passed before the operation could start; nothing was done.",
        statusCode: StatusCodes.Status504GatewayTimeout, title: "Deadline passed",
        extensions: new Dictionary<string, object?> { ["outcome"] = "DeadlinePassed" });
}
