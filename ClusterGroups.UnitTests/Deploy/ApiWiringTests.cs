using ClusterGroups.Api.Cluster;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Postgres;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Api.Security;
using ClusterGroups.Contracts.Settings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace ClusterGroups.UnitTests.Deploy;

// What the manifests give the Api, fed to the Api's own wiring (no process started): it must come out as the node
// list, the cluster key on node calls, the callers' keys and the coordinator. A setting name the Api does not read
// (or reads differently) shows here, whatever SettingNames says.
public sealed class ApiWiringTests
{
    [Theory, MemberData(nameof(PodSettings.Sources), MemberType = typeof(PodSettings))]
    public async Task The_Api_reads_the_nodes_keys_and_coordinator_it_is_given(string source)
    {
        var (settings, expectedNodes, clusterKey, callerKey) = ApiSettings(source);
        var configuration = PodSettings.AsConfiguration(settings);

        var sent = new List<string?>();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddFanOut(configuration);
        services.AddHttpClient(NodeClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new Recorder(sent));
        await using var provider = services.BuildServiceProvider();

        Assert.Equal(expectedNodes, provider.GetRequiredService<ClusterDirectory>().Nodes.Select(n => n.BaseAddress.ToString().TrimEnd('/')));
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(NodeClient.HttpClientName);
        using var response = await client.GetAsync(new Uri(expectedNodes[0] + "/v1/groups")).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(clusterKey, Assert.Single(sent));

        var host = PodSettings.Host(settings);
        host.AddApplicationServices(); // the Api's Program: security (Api:Keys), coordinator, fan-out
        await using var api = host.Services.BuildServiceProvider();
        Assert.Equal(callerKey, api.GetRequiredService<IOptionsMonitor<ClusterGroups.Web.Security.KeyAuthenticationOptions>>()
            .Get(ApiSecurity.Scheme).Keys.Single(k => k.Name == "default").Key);
        // With ConnectionStrings:coordinator the journal and leases go to the coordinator store, at the address given
        // (read from Aspire's Redis client options; nothing connects).
        Assert.Contains(host.Services, d => d.ServiceType == typeof(IConnectionMultiplexer));
        var coordinator = settings[SettingNames.EnvironmentVariable(SettingNames.ConnectionString(SettingNames.CoordinatorConnection))];
        Assert.Equal([coordinator], api.GetRequiredService<IOptionsMonitor<ConfigurationOptions>>().Get(Options.DefaultName).EndPoints.Select(Address));
    }

    // overlays/postgres gives the Api an Npgsql connection string and Cluster:Coordinator:Store=postgres: the journal
    // and leases go to PostgreSQL at the Cluster's read-write Service, and the schema is migrated before recovery
    // starts (hosted services start in order). Nothing connects.
    [Fact]
    public async Task The_Api_runs_its_coordinator_on_the_PostgreSQL_it_is_given()
    {
        var output = KustomizeOutput.Build("overlays/postgres");
        var settings = PodSettings.Kubernetes(output, Workload.Running(output, DeployFiles.ApiImage).Container(output, DeployFiles.ApiImage), "api-0");
        Assert.Equal("postgres", settings[SettingNames.EnvironmentVariable(SettingNames.CoordinatorStore)]);
        var host = PodSettings.Host(settings);
        host.AddApplicationServices();
        await using var api = host.Services.BuildServiceProvider();

        Assert.IsType<PostgresCoordinator>(api.GetRequiredService<ICoordinator>());
        Assert.DoesNotContain(host.Services, d => d.ServiceType == typeof(IConnectionMultiplexer));
        var given = new NpgsqlConnectionStringBuilder(settings[SettingNames.EnvironmentVariable(SettingNames.ConnectionString(SettingNames.CoordinatorConnection))]);
        Assert.Equal(given.Host, new NpgsqlConnectionStringBuilder(api.GetRequiredService<NpgsqlDataSource>().ConnectionString).Host);
        // Before recovery (added by a factory) and the reconciler: nothing reads the journal before the schema is there.
        var hosted = host.Services.Where(d => d.ServiceType == typeof(IHostedService)).ToList();
        var migration = hosted.FindIndex(d => d.ImplementationType == typeof(PostgresSchemaMigration));
        Assert.True(migration >= 0, "no schema migration at start");
        Assert.All(hosted.Take(migration), d => Assert.True(d.ImplementationType is { } t && t != typeof(ClusterGroups.Api.Reconciliation.ReconcilerService)));
    }

    internal static string Address(System.Net.EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        _ => endPoint.ToString() ?? "",
    };

    private static (Dictionary<string, string> Settings, List<string> Nodes, string ClusterKey, string CallerKey) ApiSettings(string source)
    {
        if (source == "compose")
        {
            var compose = ComposeFile.Load(DeployFiles.Compose);
            var api = compose.Services.Values.Single(s => DeployFiles.Repository(s.Image) == DeployFiles.ApiImage);
            var nodes = compose.Services.Where(s => DeployFiles.Repository(s.Value.Image) == DeployFiles.NodeImage)
                .Select(s => $"http://{s.Key}:8080").Order(StringComparer.Ordinal).ToList();
            return (PodSettings.Compose(api), nodes, PodSettings.ComposeClusterKey, PodSettings.ComposeApiKey);
        }

        var output = KustomizeOutput.Build(source["k8s:".Length..]);
        var container = Workload.Running(output, DeployFiles.ApiImage).Container(output, DeployFiles.ApiImage);
        var set = output.Find<k8s.Models.V1StatefulSet>("node")!;
        var expected = Enumerable.Range(0, set.Spec.Replicas ?? 1).Select(i => $"http://node-{i}.{set.Spec.ServiceName}:8080").ToList();
        return (PodSettings.Kubernetes(output, container, "api-0"), expected,
            PodSettings.SecretValue(output, "cluster-key"), PodSettings.SecretValue(output, "api-key-default"));
    }

    private sealed class Recorder(List<string?> sent) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (sent)
            {
                sent.Add(request.Headers.TryGetValues(SecurityHeaders.ClusterKey, out var v) ? v.Single() : null);
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"nodeId":"x","groups":[]}""") });
        }
    }
}
