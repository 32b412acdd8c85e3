using ClusterGroups.Api.Nodes;
using System.Security.Cryptography.X509Certificates;
using ClusterGroups.Api.Cluster;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Security;

// Cluster:Tls:* — TLS from the Api to the nodes (README "TLS to the nodes"). Off by default: the local AppHost's
// nodes speak plain HTTP on loopback. With RequireHttps every Cluster:Nodes entry must be an https URL (a service
// name is written https://node1); with CaBundle the nodes' certificates must chain to one of its CAs (and name the
// host the Api calls) — the machine's own trust store is then not consulted for node calls.
public sealed class NodeTlsOptions
{
    public const string Section = ClusterGroups.Contracts.Settings.SettingNames.ClusterTls;

    public bool RequireHttps { get; set; }

    // A PEM file with the CA certificate(s) that sign the nodes' certificates.
    public string? CaBundle { get; set; }

    internal X509Certificate2Collection? Authorities { get; set; }

    public void Apply(SocketsHttpHandler handler)
    {
        if (Authorities is { Count: > 0 } authorities)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                // A private CA publishes no revocation lists; a compromised node certificate is withdrawn from the CA bundle.
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(authorities);
            handler.SslOptions.CertificateChainPolicy = policy;
        }
    }
}

public static class NodeTlsExtensions
{
    public static IServiceCollection AddNodeTls(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NodeTlsOptions>()
            .Bind(configuration.GetSection(NodeTlsOptions.Section))
            .PostConfigure(o => o.Authorities = LoadBundle(o.CaBundle))
            .Validate(o => string.IsNullOrEmpty(o.CaBundle) || o.Authorities is { Count: > 0 },
                "Cluster:Tls:CaBundle names no readable PEM file with a certificate.")
            .Validate<IOptions<ClusterOptions>>((tls, cluster) => !tls.RequireHttps || cluster.Value.Nodes.All(IsHttps),
                "Cluster:Tls:RequireHttps is set, but a Cluster:Nodes entry is not an https URL (write a service name as https://node1).")
            .ValidateOnStart();
        return services;
    }

    private static bool IsHttps(string entry) =>
        Uri.TryCreate(entry, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps;

    private static X509Certificate2Collection? LoadBundle(string? path)
    {
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return null;
        }

        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPemFile(path);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }

        return bundle;
    }
}
