using ClusterGroups.Api.Journal;
using Microsoft.AspNetCore.Diagnostics;

namespace ClusterGroups.Api.Errors;

// A request that needs a journal entry a newer Api wrote (a rolling upgrade: a group whose open operation a newer
// replica runs, or the operator reading it here): this replica does not guess at it. 503 with Retry-After: nothing was
// done here, and a replica of the newer version (or this one, once upgraded) answers it.
public sealed class NewerJournalEntryHandler(IProblemDetailsService problems, ILogger<NewerJournalEntryHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (UnavailableProblem.Find(exception, e => e is NewerJournalEntryException) is not NewerJournalEntryException newer)
        {
            return false;
        }

        logger.LogWarning("Answered 503 for {Method} {Path}: {Error}", http.Request.Method, http.Request.Path, newer.Message);
        return await UnavailableProblem.WriteAsync(problems, http, exception, "Written by a newer Api",
            $"{newer.Message} Nothing was done here; a replica running the newer version answers this (send it again after Retry-After seconds).",
            new Dictionary<string, object?>
            {
                ["operationId"] = newer.OperationId,
                ["journalVersion"] = newer.Version,
                ["readableVersion"] = newer.Readable,
            });
    }
}
