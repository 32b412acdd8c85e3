using Microsoft.AspNetCore.Diagnostics;

namespace ClusterGroups.Api.Errors;

// What the Api's 503 exception handlers share: finding their cause in what was thrown, and the answer itself (503,
// Retry-After, a ProblemDetails whose detail says what is known of the request).
public static class UnavailableProblem
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    // The exception itself or one it wraps (an AggregateException from parallel work, an inner cause).
    public static Exception? Find(Exception? e, Func<Exception, bool> isCause)
    {
        for (var depth = 0; e is not null && depth < 8; depth++)
        {
            if (isCause(e))
            {
                return e;
            }

            e = e is AggregateException { InnerExceptions: [var only] } ? only : e.InnerException;
        }

        return null;
    }

    public static ValueTask<bool> WriteAsync(IProblemDetailsService problems, HttpContext http, Exception exception,
        string title, string detail, IReadOnlyDictionary<string, object?> extensions)
    {
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var context = new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = title, Detail = detail },
        };
        foreach (var (name, value) in extensions)
        {
            context.ProblemDetails.Extensions[name] = value;
        }

        return problems.TryWriteAsync(context);
    }
}
