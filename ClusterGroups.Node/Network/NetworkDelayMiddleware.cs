using Microsoft.Extensions.Options;

namespace ClusterGroups.Node.Network;

// Node:NetworkDelay (default none): every request on /v1 waits this long before it is served. A stand-in for the
// round trip of a real network, which loopback hides: the benchmark's "1 ms to the nodes" start sets it on every node,
// so the Api and a client writing one node directly both pay it per request, and what batching saves in requests
// shows up as latency and throughput. Not a fault (chaos is for those) and never set outside a benchmark.
public sealed class NetworkDelayMiddleware(RequestDelegate next, IOptions<NetworkDelayOptions> options, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var delay = options.Value.NetworkDelay;
        if (delay > TimeSpan.Zero && http.Request.Path.StartsWithSegments("/v1"))
        {
            await Task.Delay(delay, time, http.RequestAborted);
        }

        await next(http);
    }
}
