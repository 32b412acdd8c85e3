using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace ClusterGroups.UnitTests.Telemetry;

// The services' sampler: lone outgoing calls are never roots of a trace, and the standard OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG thin the roots that are kept (the SDK ignores them once a sampler is set in code).
public sealed class QuietTracingTests
{
    [Fact]
    public void By_default_every_request_is_a_root_and_a_lone_outgoing_call_is_not()
    {
        var sampler = QuietTracing.For(Configured());

        Assert.Equal(SamplingDecision.RecordAndSample, Root(sampler, ActivityKind.Server));
        Assert.Equal(SamplingDecision.RecordAndSample, Root(sampler, ActivityKind.Internal));
        Assert.Equal(SamplingDecision.Drop, Root(sampler, ActivityKind.Client));
    }

    [Fact]
    public void A_ratio_of_zero_keeps_no_request_but_a_kept_trace_keeps_its_children()
    {
        var sampler = QuietTracing.For(Configured((QuietTracing.SamplerVariable, "parentbased_traceidratio"), (QuietTracing.SamplerArgVariable, "0")));

        Assert.Equal(SamplingDecision.Drop, Root(sampler, ActivityKind.Server));
        var kept = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        Assert.Equal(SamplingDecision.RecordAndSample,
            sampler.ShouldSample(new SamplingParameters(kept, kept.TraceId, "node call", ActivityKind.Client)).Decision);
    }

    [Fact]
    public void A_ratio_keeps_about_that_share_of_the_requests()
    {
        var sampler = QuietTracing.For(Configured((QuietTracing.SamplerVariable, "traceidratio"), (QuietTracing.SamplerArgVariable, "0.25")));

        var kept = Enumerable.Range(0, 4000).Count(_ => Root(sampler, ActivityKind.Server) == SamplingDecision.RecordAndSample);

        Assert.InRange(kept, 800, 1200);
        Assert.Equal(SamplingDecision.Drop, Root(sampler, ActivityKind.Client));
    }

    [Fact]
    public void Always_off_keeps_no_request()
    {
        var sampler = QuietTracing.For(Configured((QuietTracing.SamplerVariable, "always_off")));

        Assert.Equal(SamplingDecision.Drop, Root(sampler, ActivityKind.Server));
    }

    // The wiring: a service built with the service defaults samples as its environment says.
    [Theory]
    [InlineData("always_off", false)]
    [InlineData("always_on", true)]
    public async Task A_service_samples_its_requests_as_OTEL_TRACES_SAMPLER_says(string sampler, bool recorded)
    {
        // A source of its own name (the service defaults trace the application's name), which no other test's listener
        // hears: a listener that keeps everything would make every activity of a source it hears recorded.
        var name = $"QuietTracingTests.{Guid.NewGuid():N}";
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = name });
        builder.Configuration.AddInMemoryCollection([new(QuietTracing.SamplerVariable, sampler)]);
        builder.AddServiceDefaults();
        await using var app = builder.Build();
        // Resolving the tracer provider builds it, as the host's start would, without listening on a port.
        _ = app.Services.GetRequiredService<TracerProvider>();
        using var source = new ActivitySource(name);

        using var request = source.StartActivity("create g1", ActivityKind.Server);

        Assert.Equal(recorded, request?.Recorded ?? false);
    }

    [Theory]
    [InlineData("jaeger_remote", null)]
    [InlineData("traceidratio", "2")]
    [InlineData("traceidratio", "a tenth")]
    public void A_sampler_it_does_not_know_is_refused_at_start(string name, string? arg)
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            QuietTracing.For(Configured((QuietTracing.SamplerVariable, name), (QuietTracing.SamplerArgVariable, arg))));

        Assert.Contains(QuietTracing.SamplerVariable, e.Message, StringComparison.Ordinal);
    }

    private static SamplingDecision Root(Sampler sampler, ActivityKind kind)
    {
        var traceId = ActivityTraceId.CreateRandom();
        return sampler.ShouldSample(new SamplingParameters(default, traceId, "create g1", kind)).Decision;
    }

    private static IConfiguration Configured(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
