using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

// What is worth a span. Work that a caller or an operation asked for runs under a span (the request's, the
// operation's, a recovery's): its node calls and store commands are children of it and are kept. An outgoing call
// (a client span: HTTP or a Redis command) with no span around it is background housekeeping — recovery polling the
// open set (SMEMBERS every 2 s), the reconciler's scan, StackExchange.Redis keep-alive PINGs — and is not recorded,
// so the dashboard's trace list shows operations. When a poll finds work, that work starts its own span and is traced.
// The call's context still travels (not sampled), so the node it reaches does not record it either.
public static class QuietTracing
{
    // Set on a request's server span by the code that knows what the request does; the span is renamed to it.
    public const string SpanNameTag = "clustergroups.span.name";

    // Children follow their parent's decision (the SDK's default); only roots are judged here.
    public static readonly Sampler Sampler = new ParentBasedSampler(new RootSampler());

    private sealed class RootSampler : Sampler
    {
        private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
        private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

        public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
            parameters.Kind == ActivityKind.Client ? Drop : Keep;
    }
}
