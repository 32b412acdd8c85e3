using ClusterGroups.Client;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="ClusterGroupsClient"/>.</summary>
public static class ClusterGroupsClientExtensions
{
    /// <summary>
    /// Registers <see cref="ClusterGroupsClient"/> as a typed <see cref="HttpClient"/> client, with the standard
    /// resilience handler configured for it (any handler added before, such as an Aspire app's service defaults', is
    /// replaced): <see cref="ClusterGroupsClientOptions.MaxRetries"/> retries of what is safe to repeat (reads, and
    /// writes, which carry an Idempotency-Key), <c>Retry-After</c> honoured, a try's and the call's timeout. Service
    /// discovery (<c>https+http://api</c>) works where the host adds it to every client (Aspire's service defaults) or
    /// when you call <c>AddServiceDiscovery()</c> on the builder returned.
    /// </summary>
    public static IHttpClientBuilder AddClusterGroupsClient(this IServiceCollection services, Action<ClusterGroupsClientOptions>? configure = null)
    {
        var options = services.AddOptions<ClusterGroupsClientOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        // One group commit for every instance (a typed client is made anew per resolution): ClientWrites.
        services.TryAddSingleton(provider => new ClientWrites(provider.GetRequiredService<IOptions<ClusterGroupsClientOptions>>().Value));
        // The name AddHttpClient<ClusterGroupsClient>() would give it.
        var builder = services.AddHttpClient(nameof(ClusterGroupsClient))
            .AddTypedClient((http, provider) => new ClusterGroupsClient(
                http, provider.GetRequiredService<IOptions<ClusterGroupsClientOptions>>().Value, provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ClientWrites>()))
            // The client enforces each call's own timeout; HttpClient's 100 s default must not cut a longer one.
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers();
        builder.AddStandardResilienceHandler()
            .Configure((resilience, provider) =>
                ClientResilience.Configure(resilience, provider.GetRequiredService<IOptions<ClusterGroupsClientOptions>>().Value));
        return builder;
    }
}
