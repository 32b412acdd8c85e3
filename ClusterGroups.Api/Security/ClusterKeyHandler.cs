using ClusterGroups.Contracts.Security;
using ClusterGroups.Web.Security;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Security;

// The key this Api sends to the nodes: the primary of Cluster:Keys / Cluster:Key (ClusterKeys), re-read when the
// configuration reloads (SecretsFile), so the Api switches to a new key without a restart.
public sealed class ClusterKeyOptions
{
    public string? Primary { get; set; }
}

// Sends the primary cluster key to the nodes on every call (nodes refuse writes and admin calls without it).
public sealed class ClusterKeyHandler(IOptionsMonitor<ClusterKeyOptions> keys) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Remove(SecurityHeaders.ClusterKey);
        if (keys.CurrentValue.Primary is { Length: > 0 } key)
        {
            request.Headers.Add(SecurityHeaders.ClusterKey, key);
        }

        return base.SendAsync(request, cancellationToken);
    }

    public static IServiceCollection AddClusterKeyOptions(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ClusterKeyOptions>().Configure(o => o.Primary = ClusterKeys.Primary(configuration));
        services.AddSingleton<IOptionsChangeTokenSource<ClusterKeyOptions>>(new ConfigurationChangeTokenSource<ClusterKeyOptions>(configuration));
        services.AddHostedService<ClusterKeyLog>();
        return services;
    }
}
