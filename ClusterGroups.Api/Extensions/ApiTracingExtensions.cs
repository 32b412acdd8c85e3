using System.Diagnostics;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Nodes;
using OpenTelemetry.Instrumentation.Http;

namespace Microsoft.Extensions.Hosting;

public static class ApiTracingExtensions
{
    // A node's "exists" / "not found" is the answer the protocol asked for (the node is already so), not a failed
    // call: its client span keeps the status code but is not an error. Only node calls (they carry the node's name).
    public static IServiceCollection AddNodeCallTracing(this IServiceCollection services) =>
        services.Configure<HttpClientTraceInstrumentationOptions>(o => o.EnrichWithHttpResponseMessage = (activity, response) =>
        {
            if (response.RequestMessage is { } request && request.Options.TryGetValue(NodeLatency.NodeKey, out _)
                && FanOutTelemetry.IsStateAnswer(request.Method, (int)response.StatusCode))
            {
                activity.SetStatus(ActivityStatusCode.Unset);
                activity.SetTag("error.type", null);
            }
        });
}
