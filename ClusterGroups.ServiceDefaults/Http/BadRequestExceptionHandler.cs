using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ClusterGroups.Web.Http;

// Kestrel reports a request it cannot read (body over MaxRequestBodySize, a Content-Length that the body does not
// match, broken chunked framing, a client too slow) by throwing BadHttpRequestException from the body stream, inside
// the endpoint. Unhandled, that is a 500; it is the caller's fault, so it is answered with its own 4xx status
// (413 for too large) as ProblemDetails. Nothing has been written: bodies are read before anything is done.
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems, ILogger<BadRequestExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        logger.LogInformation("Refused a malformed request {Method} {Path}: {Status} {Reason}",
            http.Request.Method, http.Request.Path, bad.StatusCode, bad.Message);
        http.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                Detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? $"The request body is over the {Microsoft.Extensions.Hosting.Extensions.MaxRequestBodySize} byte limit; nothing was done."
                    : $"The request could not be read ({bad.Message}); nothing was done.",
            },
        });
    }
}
