using Microsoft.AspNetCore.Diagnostics;
using ClusterGroups.Api.Coordinator;

namespace ClusterGroups.Api.Errors;

// The coordinator store down is not the caller's fault nor a bug: a 503 with Retry-After, never a 500. What the
// answer promises depends on what is known:
//   - CoordinatorUnavailableException without nodes touched: nothing was done, send it again;
//   - with an operation id: the journal may hold it; GET /v1/operations/{id} tells how it ended once the store is back
//     (recovery finishes or rolls it back);
//   - a CoordinatorStoreException (from a read or an unforeseen place), whatever the store: no promise either way.
public sealed class CoordinatorUnavailableHandler(IProblemDetailsService problems, ILogger<CoordinatorUnavailableHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (UnavailableProblem.Find(exception, e => e is CoordinatorUnavailableException or CoordinatorStoreException) is not { } cause)
        {
            return false;
        }

        var (detail, operationId) = cause switch
        {
            CoordinatorUnavailableException { NodesMayBeTouched: false } =>
                ("The coordinator store (journal and locks) is unreachable; nothing was done. Send the request again after Retry-After seconds.", null),
            CoordinatorUnavailableException { OperationId: { } id } =>
                ($"The coordinator store (journal and locks) became unreachable during operation {id}; it may have reached some nodes. "
                 + $"Once the store is back, recovery finishes or rolls it back: follow it at /v1/operations/{id}.", id),
            _ =>
                ("The coordinator store (journal and locks) is unreachable; whether this request took effect is not known. "
                 + "Read the group (GET /v1/group/{groupId}) or the open operations (/v1/operations?state=open) after Retry-After seconds.", null),
        };

        logger.LogWarning("Answered 503 for {Method} {Path}: the coordinator store is unreachable ({Error})",
            http.Request.Method, http.Request.Path, cause.Message);
        if (operationId is not null)
        {
            http.Response.Headers.Location = $"/v1/operations/{operationId}";
        }

        return await UnavailableProblem.WriteAsync(problems, http, exception, "Coordinator unavailable", detail,
            new Dictionary<string, object?> { ["operationId"] = operationId });
    }
}
