using System.Threading.RateLimiting;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Security;
using ClusterGroups.Contracts;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Groups;

// POST /v1/batch: several creates and deletes in one request, for a caller with many at once (the typed client's group
// commit, ClusterGroups.Client). One request's HTTP work (connection, parsing, authentication, routing) is shared; every
// write is still its own operation, run at once beside the others, and answered with what its single request would
// have got: the same status, Location and Retry-After, and the same body, because the single route's code writes it
// (GroupEndpoints.RunAsync, and the Api's exception handlers for what it throws) into a response of the write's own.
// Permits are per write, as for single requests: each write takes one of the operations limiter (OperationsGate,
// Api:MaxConcurrentOperations) and each write past the first a token of the caller's bucket (the request took one);
// a write refused either way is answered 429, as its own request would have been. The answers come all at once in the
// writes' order (BatchAnswers), or, for a caller that asks, each as soon as its write ends (BatchAnswerStream).
public static class BatchWrites
{
    public static async Task<Results<BatchAnswers, BatchAnswerStream, ProblemHttpResult>> RunAsync(
        HttpContext http, FanOutProtocol protocol, IHostApplicationLifetime lifetime, OperationsGate gate,
        IOptions<ApiOptions> api, IOptions<RateLimiterOptions> limits, CancellationToken ct)
    {
        var (batch, error) = await BatchBody.ReadAsync(http.Request, api.Value.MaxBatchWrites, ct);
        if (error is not null)
        {
            return GroupEndpoints.BadRequest(error);
        }

        var writes = batch!.Writes!;
        var answers = new Task<BatchAnswer>[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            answers[i] = AnswerAsync(writes[i], first: i == 0, http, protocol, lifetime, gate, limits.Value);
        }

        return Streamed(http.Request) ? new BatchAnswerStream(answers) : new BatchAnswers(await Task.WhenAll(answers));
    }

    // The caller asked for answers as they end (Accept: application/x-ndjson).
    private static bool Streamed(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(accept => accept.MediaType.Equals(BatchRequest.AnswerStream, StringComparison.OrdinalIgnoreCase));

    private static async Task<BatchAnswer> AnswerAsync(
        BatchWrite write, bool first, HttpContext http, FanOutProtocol protocol, IHostApplicationLifetime lifetime,
        OperationsGate gate, RateLimiterOptions limits)
    {
        var own = OwnResponse(http);
        try
        {
            await RunAsync(write, first, own, protocol, lifetime, gate, limits);
        }
        catch (OperationCanceledException) when (own.RequestAborted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The caller went away while this write waited for its permit: nothing began, and no one reads the answer.
            own.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
        }
        catch (Exception e)
        {
            await HandleAsync(own, e);
        }

        return await BatchAnswer.FromAsync(own);
    }

    private static async Task RunAsync(
        BatchWrite write, bool first, HttpContext own, FanOutProtocol protocol, IHostApplicationLifetime lifetime,
        OperationsGate gate, RateLimiterOptions limits)
    {
        var kind = write.Kind switch
        {
            BatchWrite.Create => OperationKind.Create,
            BatchWrite.Delete => OperationKind.Delete,
            _ => (OperationKind?)null,
        };
        var (headers, error) = WriteHeaders.Of(write.IdempotencyKey, write.Deadline);
        var invalid = kind is null ? $"kind must be \"{BatchWrite.Create}\" or \"{BatchWrite.Delete}\"."
            : write.GroupId is null || !GroupId.IsValid(write.GroupId) ? $"groupId is invalid: {GroupId.Rule}."
            : error;
        if (invalid is not null)
        {
            await GroupEndpoints.BadRequest(invalid).ExecuteAsync(own);
            return;
        }

        if (!first && limits.GlobalLimiter is { } bucket)
        {
            using var token = bucket.AttemptAcquire(own, 1);
            if (!token.IsAcquired)
            {
                await RejectedAsync(own, token, limits);
                return;
            }
        }

        using var permit = await gate.AcquireAsync(1, own.RequestAborted);
        if (!permit.IsAcquired)
        {
            await RejectedAsync(own, permit, limits);
            return;
        }

        var result = await GroupEndpoints.RunAsync(kind!.Value, write.GroupId!, headers!, own, protocol, lifetime);
        await result.ExecuteAsync(own);
    }

    // The write's own response: the batch's caller, services and cancellation, a body of its own.
    private static DefaultHttpContext OwnResponse(HttpContext http)
    {
        var own = new DefaultHttpContext
        {
            RequestServices = http.RequestServices,
            User = http.User,
            RequestAborted = http.RequestAborted,
            TraceIdentifier = http.TraceIdentifier,
        };
        own.Request.Path = http.Request.Path;
        own.Request.Method = http.Request.Method;
        own.Connection.RemoteIpAddress = http.Connection.RemoteIpAddress;
        own.Response.Body = new MemoryStream();
        return own;
    }

    // As its own request would be refused (the rate limiter's OnRejected: 429, Retry-After, problem+json).
    private static Task RejectedAsync(HttpContext own, RateLimitLease lease, RateLimiterOptions limits) =>
        limits.OnRejected is { } rejected
            ? rejected(new OnRejectedContext { HttpContext = own, Lease = lease }, own.RequestAborted).AsTask()
            : TypedResults.Problem("Too many requests.", statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(own);

    // What a single request's exception would have become: the Api's exception handlers (the coordinator unreachable,
    // an entry of a newer Api, this replica stopping), else a 500 problem for this write alone.
    private static async Task HandleAsync(HttpContext own, Exception e)
    {
        own.Response.Clear();
        own.Response.Body = new MemoryStream();
        foreach (var handler in own.RequestServices.GetServices<IExceptionHandler>())
        {
            if (await handler.TryHandleAsync(own, e, own.RequestAborted))
            {
                return;
            }
        }

        own.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BatchWrites))
            .LogError(e, "A write of a batch failed unexpectedly");
        await TypedResults.Problem("The write failed unexpectedly; whether it took effect is not known.",
            statusCode: StatusCodes.Status500InternalServerError, title: "Internal error").ExecuteAsync(own);
    }
}
