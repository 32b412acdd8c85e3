using ClusterGroups.Api.Cluster;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Api.Security;
using ClusterGroups.Web.Startup;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

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
        services.AddWarmUpStep<ClusterGroups.Api.Startup.NodeClientWarmUp>();
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
                Breaker(options.CircuitBreaker, settings, settings.AttemptTimeout);
            })
            .SelectPipelineByAuthority()
            .Services.AddHttpClient(NodeClient.HttpClientName)
            .WithoutRequestLogging()
            .AddHttpMessageHandler(sp => new ClusterKeyHandler(sp.GetRequiredService<IOptionsMonitor<ClusterKeyOptions>>()))
            .UseSocketsHttpHandler((handler, sp) => sp.GetRequiredService<IOptions<NodeTlsOptions>>().Value.Apply(handler));
    }

    // The client for reads of lists, digests and buckets: safe to repeat (one retry), a timeout of its own
    // (Cluster:Resilience:ListTimeout, or the size-aware one NodeClient sets on a whole-list request), a breaker of
    // its own, so a slow listing never trips the write path's breaker or skews its adaptive timeout. Same TLS trust.
    // (The TLS options are registered by AddNodeHttpClient, which AddFanOut calls first.)
    public static IHttpClientBuilder AddNodeReadsHttpClient(this IServiceCollection services) =>
        services.AddHttpClient(NodeClient.ReadsClientName)
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler()
            .Configure((options, services) =>
            {
                var settings = services.GetRequiredService<IOptions<ClusterOptions>>().Value.Resilience;
                options.Retry.MaxRetryAttempts = 1;
                options.Retry.Delay = settings.BaseDelay;
                options.Retry.UseJitter = true;
                options.AttemptTimeout.Timeout = settings.ListTimeout;
                options.AttemptTimeout.TimeoutGenerator = args => ValueTask.FromResult(
                    args.Context.GetRequestMessage()?.Options.TryGetValue(NodeClient.ReadTimeoutKey, out var timeout) == true
                        ? timeout : settings.ListTimeout);
                options.TotalRequestTimeout.Timeout = settings.ListTimeout * ClusterDigests.MaxListTimeoutFactor * 2 + settings.BaseDelay * 4;
                Breaker(options.CircuitBreaker, settings, settings.ListTimeout);
            })
            .SelectPipelineByAuthority()
            .Services.AddHttpClient(NodeClient.ReadsClientName)
            .WithoutRequestLogging()
            .UseSocketsHttpHandler((handler, sp) => sp.GetRequiredService<IOptions<NodeTlsOptions>>().Value.Apply(handler));

    // IHttpClientFactory's request logging (a scope and start/end lines per call, at Information: filtered out by the
    // Api's log levels, yet the handlers ran and allocated on every node call). A node call is in the operation's
    // journal entry, its span and the clustergroups.node.call.duration metric; failures are logged by the protocol.
    private static IHttpClientBuilder WithoutRequestLogging(this IHttpClientBuilder client) => client.RemoveAllLoggers();

    // Cluster:Resilience:Breaker*; sampling at least twice the attempt timeout (the options' own validation) and 30 s.
    private static void Breaker(HttpCircuitBreakerStrategyOptions breaker, ResilienceSettings settings, TimeSpan attemptTimeout)
    {
        breaker.FailureRatio = settings.BreakerFailureRatio;
        breaker.MinimumThroughput = settings.BreakerMinimumThroughput;
        breaker.BreakDuration = settings.BreakDuration;
        var sampling = attemptTimeout * 2;
        breaker.SamplingDuration = sampling > TimeSpan.FromSeconds(30) ? sampling : TimeSpan.FromSeconds(30);
    }
}
