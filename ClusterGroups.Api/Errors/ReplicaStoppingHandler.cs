using Microsoft.AspNetCore.Diagnostics;

namespace ClusterGroups.Api.Errors;

// A create or delete still running when this replica is told to stop (SIGTERM in a rolling restart): the operation runs
// on the application's lifetime (never on the caller's connection), so stopping cancels it where it stands. That is
// not a bug nor the caller's fault: 503 with Retry-After, never a 500, and the truth about what is known. An operation
// it began stays open in the journal, and another replica's recovery finishes it or rolls it back once this replica's
// lease lapses; a retry with the same Idempotency-Key learns that outcome instead of starting a second operation.
public sealed class ReplicaStoppingHandler(
    IProblemDetailsService problems, IHostApplicationLifetime lifetime, ILogger<ReplicaStoppingHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (!lifetime.ApplicationStopping.IsCancellationRequested
            || UnavailableProblem.Find(exception, e => e is OperationCanceledException) is null)
        {
            return false;
        }

        logger.LogWarning("Answered 503 for {Method} {Path}: this replica is stopping", http.Request.Method, http.Request.Path);
        return await UnavailableProblem.WriteAsync(problems, http, exception, "Api replica stopping",
            "This Api replica stopped while the request ran; whether it took effect is not known yet. An operation it began "
            + "stays in the journal and another replica finishes or rolls it back. Send the request again (with the same "
            + "Idempotency-Key to learn that operation's outcome rather than start another) after Retry-After seconds.",
            new Dictionary<string, object?>());
    }
}
