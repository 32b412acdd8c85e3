using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

// The Aspire template's service defaults: OpenTelemetry, health checks, service discovery, resilience.
// Differences from the template are commented where they are.
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";

    // Our own ActivitySources and Meters all start with this prefix (FanOut, Journal, Chaos, ...).
    public const string TelemetryPrefix = "ClusterGroups.*";

    public const long MaxRequestBodySize = 1024 * 1024;

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddSecretsFile();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.AddWarmUp();
        builder.LimitRequests();
        // Not in the template: a request Kestrel cannot read (too large, broken framing) is a 4xx, not a 500.
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ClusterGroups.Web.Http.BadRequestExceptionHandler>();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryPrefix))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetryPrefix)
                .AddAspNetCoreInstrumentation(o =>
                {
                    // Health probes run every few seconds; their spans would drown the operations in the dashboard.
                    o.Filter = ctx => !ctx.Request.Path.StartsWithSegments(HealthEndpointPath)
                                      && !ctx.Request.Path.StartsWithSegments(AlivenessEndpointPath);
                    // Not in the template: a request that runs one operation is named after it ("create g1"), so the
                    // trace list reads like the work done. The instrumentation names the span "POST /v1/group" when the
                    // request ends; this runs after that.
                    o.EnrichWithHttpResponse = (activity, _) =>
                    {
                        if (activity.GetTagItem(QuietTracing.SpanNameTag) is string name)
                        {
                            activity.DisplayName = name;
                        }
                    };
                })
                .AddHttpClientInstrumentation()
                // Not in the template: background calls that no work asked for make no spans; see QuietTracing.
                .SetSampler(QuietTracing.For(builder.Configuration)));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    // Not in the template: requests are small here (a groupId), so anything big or slow is cut off early.
    public static TBuilder LimitRequests<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodySize;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        });
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    // Not in the template: a restarted process warms up (connections, scripts, first calls) before it listens, and
    // /health is not Healthy until it is warm (docs/ARCHITECTURE.md, "Cold start"). Steps: services.AddWarmUpStep<T>().
    public static TBuilder AddWarmUp<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddSingleton<ClusterGroups.Web.Startup.WarmUpState>();
        builder.Services.AddHostedService<ClusterGroups.Web.Startup.WarmUpService>();
        builder.Services.AddHealthChecks().AddCheck<ClusterGroups.Web.Startup.WarmUpHealthCheck>("warm-up");
        return builder;
    }

    // Unlike the template, health endpoints are mapped in every environment: the AppHost's health checks,
    // the Api's node probes and CI all rely on them, and they reveal nothing secret.
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
        return app;
    }
}
