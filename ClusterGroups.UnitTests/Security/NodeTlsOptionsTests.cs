using System.Security.Cryptography.X509Certificates;
using ClusterGroups.Api.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClusterGroups.UnitTests.Security;

// Cluster:Tls refuses to start on settings that would silently talk plain HTTP or trust nothing; a CA bundle becomes
// the only trust anchor of node calls. (The handshake itself: NodeTlsTests, against HTTPS nodes.)
public sealed class NodeTlsOptionsTests
{
    private static NodeTlsOptions Options(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value)).Build();
        var services = new ServiceCollection();
        services.AddFanOut(configuration);
        return services.BuildServiceProvider().GetRequiredService<IOptions<NodeTlsOptions>>().Value;
    }

    [Theory]
    [InlineData("node1")]
    [InlineData("http://10.0.0.5:8080")]
    public void Requiring_https_refuses_a_plain_node_entry(string entry)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options(
            ("Cluster:Tls:RequireHttps", "true"), ("Cluster:Nodes:0", "https://node2"), ("Cluster:Nodes:1", entry)));
        Assert.Contains("not an https URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ca_bundle_that_is_not_there_stops_the_start()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options(
            ("Cluster:Nodes:0", "https://node1"), ("Cluster:Tls:CaBundle", "/nonexistent/ca.pem")));
        Assert.Contains("Cluster:Tls:CaBundle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ca_bundle_is_the_only_trust_anchor_of_node_calls()
    {
        using var ca = X509CertificateLoader.LoadCertificate(SelfSigned());
        var path = Path.Combine(Path.GetTempPath(), $"ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, ca.ExportCertificatePem());
        try
        {
            var options = Options(("Cluster:Tls:RequireHttps", "true"), ("Cluster:Nodes:0", "https://node1"), ("Cluster:Tls:CaBundle", path));
            using var handler = new SocketsHttpHandler();
            options.Apply(handler);

            var policy = handler.SslOptions.CertificateChainPolicy!;
            Assert.Equal(X509ChainTrustMode.CustomRootTrust, policy.TrustMode);
            Assert.Equal(ca.Thumbprint, Assert.Single(policy.CustomTrustStore).Thumbprint);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Without_tls_settings_nothing_changes()
    {
        using var handler = new SocketsHttpHandler();
        Options(("Cluster:Nodes:0", "node1")).Apply(handler);
        Assert.Null(handler.SslOptions.CertificateChainPolicy);
    }

    private static byte[] SelfSigned()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new CertificateRequest("CN=unit test CA", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.Export(X509ContentType.Cert);
    }
}
