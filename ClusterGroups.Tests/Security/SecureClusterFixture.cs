using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Security;

// The AppHost hardened as README "Security" describes: nodes serve HTTPS with a certificate from a CA made at test
// time, the Api requires https node URLs and trusts only that CA (Cluster:Tls), and every service reads its keys
// from a SecretsFile that tests rewrite (rotation) — the Api's also holds caller keys of each role.
public sealed class SecureClusterFixture : ClusterFixture, IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "clustergroups-secure", Guid.NewGuid().ToString("N"));

    public TestCa Ca { get; } = TestCa.Create("ClusterGroups test CA");

    public string CaBundlePath => Path.Combine(_dir, "ca.pem");

    // The cluster key the nodes accept and the Api sends now (a rotation test changes it).
    public string CurrentClusterKey { get; set; } = "";

    // Caller keys from the Api's SecretsFile, one per form: a read key, a write key in the form of earlier versions
    // (Api:Keys:<name>=<key>), an admin key. The AppHost's default key (ApiKey) is admin as well.
    public string ReadKey { get; } = $"rk{Guid.NewGuid():N}";
    public string WriteKey { get; } = $"wk{Guid.NewGuid():N}";
    public string AdminKey { get; } = $"xk{Guid.NewGuid():N}";

    public override async Task InitializeAsync()
    {
        CurrentClusterKey = ClusterKey;
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(CaBundlePath, Ca.CertificatePem);
        var (certificate, key) = Ca.IssueServerCertificate("clustergroups-node");
        await File.WriteAllTextAsync(Path.Combine(_dir, "node.pem"), certificate);
        await File.WriteAllTextAsync(Path.Combine(_dir, "node.key"), key);
        foreach (var node in NodeNames)
        {
            WriteSecrets(node, new { });
        }

        WriteApiSecrets();
        await base.InitializeAsync();
    }

    protected override void Configure(IDistributedApplicationTestingBuilder builder)
    {
        var api = builder.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Cluster__Tls__RequireHttps", "true")
            .WithEnvironment("Cluster__Tls__CaBundle", CaBundlePath)
            .WithEnvironment("SecretsFile", SecretsPath("api"));
        var n = 0;
        foreach (var node in NodeNames)
        {
            builder.CreateResourceBuilder<ProjectResource>(node)
                .WithHttpsEndpoint(name: "https", isProxied: false)
                .WithEnvironment("Kestrel__Certificates__Default__Path", Path.Combine(_dir, "node.pem"))
                .WithEnvironment("Kestrel__Certificates__Default__KeyPath", Path.Combine(_dir, "node.key"))
                .WithEnvironment("SecretsFile", SecretsPath(node));
            api.WithEnvironment($"Cluster__Nodes__{n++}", $"https://{node}");
        }
    }

    public Uri NodeHttpsUri(string name) => App.GetEndpoint(name, "https");

    // A node client with the cluster key of now (the base class's sends the key the AppHost started with).
    public new HttpClient Node(string name)
    {
        var client = NodeAnonymous(name);
        client.DefaultRequestHeaders.Add(SecurityHeaders.ClusterKey, CurrentClusterKey);
        return client;
    }

    public HttpClient Api(string key)
    {
        var client = ApiAnonymous();
        client.DefaultRequestHeaders.Add(SecurityHeaders.ApiKey, key);
        return client;
    }

    /// <summary>The node accepts these cluster keys (Cluster:Key is blanked, so the AppHost's one no longer counts).</summary>
    public void WriteNodeKeys(string node, params string[] keys) =>
        WriteSecrets(node, new { Cluster = new { Key = "", Keys = keys } });

    /// <summary>The Api's SecretsFile: its caller keys and, if given, the cluster keys it sends (the first).</summary>
    public void WriteApiSecrets(params string[] clusterKeys)
    {
        var callers = new Dictionary<string, object>
        {
            ["reader"] = new { Key = ReadKey, Role = "read" },
            ["writer"] = WriteKey,
            ["operator"] = new { Key = AdminKey, Role = "admin" },
        };
        WriteSecrets("api", clusterKeys.Length == 0
            ? new { Api = new { Keys = callers } }
            : new { Api = new { Keys = callers }, Cluster = new { Key = "", Keys = clusterKeys } });
    }

    private string SecretsPath(string resource) => Path.Combine(_dir, $"{resource}.secrets.json");

    // Replaced atomically, as README asks: a reader never sees half a file.
    private void WriteSecrets(string resource, object settings)
    {
        var temporary = SecretsPath(resource) + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(settings));
        File.Move(temporary, SecretsPath(resource), overwrite: true);
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Ca.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SecureClusterCollection : ICollectionFixture<SecureClusterFixture>
{
    public const string Name = "secure cluster (3 https nodes, keys in SecretsFiles)";
}
