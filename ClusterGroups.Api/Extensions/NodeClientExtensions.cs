using ClusterGroups.Api.Cluster;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Api.Security;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class NodeClientExtensions
{
    // The client for node calls. ServiceDefaults' resilience handler is replaced by one configured for what these
    // calls are: no retry of POST/DELETE (the protocol resolves those), a timeout per attempt (adapted to each node by
    // NodeLatency) and in total, and a circuit breaker per node (selected by authority, so one dead node never trips the others).
    public static IHttpClientBuilder AddNodeHttpClient(this IServiceCollection services, IConfiguration configuration)
    {
        ClusterKeyHandler.AddClusterKeyOptions(services, configuration);
        services.AddNodeTls(configuration);
        return services.AddHttpClient(NodeClient.HttpClientName)
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
                options.AttemptTimeout.TimeoutGenerator = services.GetRequiredService<NodeLatency>().TimeoutFor;
                options.TotalRequestTimeout.Timeout = settings.AttemptTimeout * (settings.MaxAttempts + 1);
                options.CircuitBreaker.FailureRatio = settings.BreakerFailureRatio;
                options.CircuitBreaker.MinimumThroughput = settings.BreakerMinimumThroughput;
                options.CircuitBreaker.BreakDuration = settings.BreakDuration;
                var sampling = settings.AttemptTimeout * 2;
                options.CircuitBreaker.SamplingDuration = sampling > TimeSpan.FromSeconds(30) ? sampling : TimeSpan.FromSeconds(30);
            })
            .SelectPipelineByAuthority()
            .Services.AddHttpClient(NodeClient.HttpClientName)
            .AddHttpMessageHandler(sp => new ClusterKeyHandler(sp.GetRequiredService<IOptionsMonitor<ClusterKeyOptions>>()))
            .UseSocketsHttpHandler((handler, sp) => sp.GetRequiredService<IOptions<NodeTlsOptions>>().Value.Apply(handler));
    }
}
