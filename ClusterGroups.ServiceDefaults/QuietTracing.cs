using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

// What is worth a span. Work that a caller or an operation asked for runs under a span (the request's, the
// operation's, a recovery's): its node calls and store commands are children of it and are kept. An outgoing call
// (a client span: HTTP or a Redis command) with no span around it is background housekeeping — recovery polling the
// open set (SMEMBERS every 2 s), the reconciler's scan, StackExchange.Redis keep-alive PINGs — and is not recorded,
// so the dashboard's trace list shows operations. When a poll finds work, that work starts its own span and is traced.
// The call's context still travels (not sampled), so the node it reaches does not record it either.
// A deployment at thousands of operations a second may keep only a share of them: the standard OTEL_TRACES_SAMPLER
// (traceidratio, parentbased_traceidratio) and OTEL_TRACES_SAMPLER_ARG (the share, 0 to 1) thin the roots that are
// kept; always_off keeps none. The SDK reads those variables only when no sampler is set in code, and this one is, so
// they are read here. Children always follow their parent, so a trace is kept or dropped whole.
public static class QuietTracing
{
    // Set on a request's server span by the code that knows what the request does; the span is renamed to it.
    public const string SpanNameTag = "clustergroups.span.name";

    public const string SamplerVariable = "OTEL_TRACES_SAMPLER";
    public const string SamplerArgVariable = "OTEL_TRACES_SAMPLER_ARG";

    // Every root that is not a lone outgoing call (the default: all operations traced).
    private static readonly Sampler Default = new ParentBasedSampler(new RootSampler(new AlwaysOnSampler()));

    // As configured by OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG; a value this does not know is refused at start.
    public static Sampler For(IConfiguration configuration)
    {
        var name = configuration[SamplerVariable]?.Trim().ToLowerInvariant();
        Sampler? roots = name switch
        {
            null or "" or "always_on" or "parentbased_always_on" => null,
            "always_off" or "parentbased_always_off" => new AlwaysOffSampler(),
            "traceidratio" or "parentbased_traceidratio" => new TraceIdRatioBasedSampler(Ratio(configuration[SamplerArgVariable])),
            _ => throw new InvalidOperationException(
                $"{SamplerVariable}={configuration[SamplerVariable]} is not known here: use always_on, always_off, traceidratio or "
                + $"parentbased_traceidratio (with {SamplerArgVariable}, 0 to 1)."),
        };
        return roots is null ? Default : new ParentBasedSampler(new RootSampler(roots));
    }

    // The specification's default when the argument is missing is 1.
    private static double Ratio(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return 1.0;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? ratio
            : throw new InvalidOperationException($"{SamplerArgVariable}={text} is not a share between 0 and 1.");
    }

    private sealed class RootSampler(Sampler kept) : Sampler
    {
        private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

        public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
            parameters.Kind == ActivityKind.Client ? Drop : kept.ShouldSample(parameters);
    }
}
