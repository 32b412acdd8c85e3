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
        if (Find(exception) is not { } newer)
        {
            return false;
        }

        logger.LogWarning("Answered 503 for {Method} {Path}: {Error}", http.Request.Method, http.Request.Path, newer.Message);
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = ((int)CoordinatorUnavailableHandler.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Written by a newer Api",
                Detail = $"{newer.Message} Nothing was done here; a replica running the newer version answers this (send it again after Retry-After seconds).",
                Extensions =
                {
                    ["operationId"] = newer.OperationId,
                    ["journalVersion"] = newer.Version,
                    ["readableVersion"] = JournalFormat.Version,
                },
            },
        });
    }

    private static NewerJournalEntryException? Find(Exception? e)
    {
        for (var depth = 0; e is not null && depth < 8; depth++)
        {
            if (e is NewerJournalEntryException newer)
            {
                return newer;
            }

            e = e is AggregateException { InnerExceptions: [var only] } ? only : e.InnerException;
        }

        return null;
    }
}
