using ClusterGroups.Api.Cluster;
using Microsoft.Extensions.Http.Resilience;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Nodes;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace Microsoft.Extensions.Hosting;

public static class ApiServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ClusterOptions>()
            .Bind(builder.Configuration.GetSection(ClusterOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Nodes.All(ClusterNode.IsValidEntry),
                "Cluster:Nodes holds an entry that is neither a service name (node1) nor an http(s) URL.")
            .Validate(o => o.Nodes.Distinct(StringComparer.OrdinalIgnoreCase).Count() == o.Nodes.Count,
                "Cluster:Nodes names a node twice.")
            .ValidateOnStart();
        builder.Services.AddOptions<RecoveryOptions>()
            .Bind(builder.Configuration.GetSection("Cluster:Recovery"))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ClusterDirectory>();
        builder.Services.AddSingleton<NodeClient>();
        builder.Services.AddSingleton<ClusterScan>();
        builder.Services.AddSingleton<FanOutTelemetry>();
        builder.Services.AddSingleton<NodeRetry>();
        builder.Services.AddSingleton<FanOutProtocol>();
        builder.Services.AddSingleton<IOperationJournal, InMemoryOperationJournal>();
        builder.Services.AddSingleton<IGroupLocks, InProcessGroupLocks>();
        builder.Services.AddSingleton<Recovery>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Recovery>());

        builder.AddNodeHttpClient();

        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster");
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        return builder;
    }

    // The client for node calls. ServiceDefaults' resilience handler is replaced by one configured for what these
    // calls are: no retry of POST/DELETE (the protocol resolves those), a timeout per attempt and in total, and a
    // circuit breaker per node (selected by authority, so one dead node never trips the others).
    private static void AddNodeHttpClient(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpClient(NodeClient.HttpClientName)
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler()
            .Configure((options, services) =>
            {
                var settings = services.GetRequiredService<IOptions<ClusterOptions>>().Value.Resilience;
                options.Retry.DisableForUnsafeHttpMethods();
                options.Retry.MaxRetryAttempts = settings.MaxAttempts - 1;
                options.Retry.Delay = settings.BaseDelay;
                options.Retry.UseJitter = true;
                options.AttemptTimeout.Timeout = settings.AttemptTimeout;
                options.TotalRequestTimeout.Timeout = settings.AttemptTimeout * (settings.MaxAttempts + 1);
                options.CircuitBreaker.FailureRatio = settings.BreakerFailureRatio;
                options.CircuitBreaker.MinimumThroughput = settings.BreakerMinimumThroughput;
                options.CircuitBreaker.BreakDuration = settings.BreakDuration;
                var sampling = settings.AttemptTimeout * 2;
                options.CircuitBreaker.SamplingDuration = sampling > TimeSpan.FromSeconds(30) ? sampling : TimeSpan.FromSeconds(30);
            })
            .SelectPipelineByAuthority();
    }

    public static WebApplication UseApiPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference(o => o.WithTitle("ClusterGroups API"));
        return app;
    }
}
