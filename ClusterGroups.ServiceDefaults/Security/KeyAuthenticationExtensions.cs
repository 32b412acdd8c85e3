using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Web.Security;

public static class KeyAuthenticationExtensions
{
    /// <summary>
    /// A key scheme whose accepted keys are read from configuration by <paramref name="readKeys"/>, again whenever
    /// the configuration reloads (a changed SecretsFile): keys are added and withdrawn without a restart.
    /// </summary>
    public static AuthenticationBuilder AddKeyAuthentication(
        this IServiceCollection services, string scheme, string header, Func<IConfiguration, IReadOnlyList<AcceptedKey>> readKeys)
    {
        services.AddOptions<KeyAuthenticationOptions>(scheme).Configure<IConfiguration>((o, configuration) =>
        {
            o.Header = header;
            o.Keys = readKeys(configuration);
        });
        services.AddSingleton<IOptionsChangeTokenSource<KeyAuthenticationOptions>>(sp =>
            new ConfigurationChangeTokenSource<KeyAuthenticationOptions>(scheme, sp.GetRequiredService<IConfiguration>()));
        return services.AddAuthentication(scheme).AddScheme<KeyAuthenticationOptions, KeyAuthenticationHandler>(scheme, _ => { });
    }
}
