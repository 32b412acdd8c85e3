using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Node.Chaos;

// Makes the node unstable on demand. A request on /v1 gets the fault "fail next" queued for its method, else the one
// the chaos pipeline draws; the fault is logged and traced as injected, so a trace reads "node2 injected
// timeout-after-apply".
public sealed partial class ChaosMiddleware(
    RequestDelegate next, ChaosController chaos, ChaosPipeline pipeline, IOptions<NodeOptions> node, ILogger<ChaosMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (!http.Request.Path.StartsWithSegments("/v1"))
        {
            await next(http);
            return;
        }

        var method = IsAbort(http.Request) ? ChaosSettings.Abort : http.Request.Method;
        var kind = chaos.TakeFailNext(method);
        if (kind == FaultKind.None)
        {
            kind = await pipeline.DecideAsync(method, http.RequestAborted);
        }

        if (kind == FaultKind.DelayBeforeApply && !IsGroupWrite(http.Request))
        {
            kind = FaultKind.None;
        }

        if (kind == FaultKind.None)
        {
            await next(http);
            return;
        }

        chaos.Count(kind);
        LogInjected(node.Value.Name, kind.Slug(), http.Request.Method, http.Request.Path);
        Activity.Current?.SetTag("chaos.fault", kind.Slug());
        Activity.Current?.AddEvent(new ActivityEvent($"{node.Value.Name} injected {kind.Slug()}"));

        var settings = chaos.Settings;
        switch (kind)
        {
            case FaultKind.ErrorBeforeApply:
                await WriteFaultAsync(http, StatusCodes.Status500InternalServerError, kind);
                break;
            case FaultKind.Unavailable:
                http.Response.Headers.RetryAfter = settings.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await WriteFaultAsync(http, StatusCodes.Status503ServiceUnavailable, kind);
                break;
            case FaultKind.DropConnection:
                http.Abort();
                break;
            case FaultKind.TimeoutBeforeApply:
                await HoldAsync(settings.Delay, http.RequestAborted);
                http.Abort();
                break;
            case FaultKind.DelayBeforeApply:
                // Held whatever the client does meanwhile (it gives up), then applied: the write arrives late.
                using (chaos.Hold())
                {
                    await Task.Delay(settings.Delay, CancellationToken.None);
                    await next(http);
                }

                break;
            default:
                await ApplyThenFailAsync(http, kind, settings.Delay);
                break;
        }
    }

    private static bool IsAbort(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Value?.EndsWith("/abort", StringComparison.Ordinal) == true;

    private static bool IsGroupWrite(HttpRequest request) =>
        (HttpMethods.IsPost(request.Method) || HttpMethods.IsDelete(request.Method))
        && request.Path.Value?.TrimEnd('/') is "/v1/group" or ClusterGroups.Contracts.NodeBatch.Route;

    // The write runs for real into a buffer; then its answer is replaced by a 500, or held past the client's timeout.
    private async Task ApplyThenFailAsync(HttpContext http, FaultKind kind, TimeSpan delay)
    {
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = original;
        }

        if (kind == FaultKind.ErrorAfterApply)
        {
            http.Response.Clear();
            await WriteFaultAsync(http, StatusCodes.Status500InternalServerError, kind);
            return;
        }

        await HoldAsync(delay, http.RequestAborted);
        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
    }

    private static async Task HoldAsync(TimeSpan delay, CancellationToken aborted)
    {
        try
        {
            await Task.Delay(delay, aborted);
        }
        catch (OperationCanceledException)
        {
            // The client gave up, as intended.
        }
    }

    private Task WriteFaultAsync(HttpContext http, int status, FaultKind kind) =>
        Results.Problem($"Injected fault: {kind.Slug()} on {node.Value.Name}.", statusCode: status, title: "Injected fault")
            .ExecuteAsync(http);

    [LoggerMessage(LogLevel.Warning, "{Node} injected {Fault} on {Method} {Path}")]
    private partial void LogInjected(string node, string fault, string method, string path);
}
