using ClusterGroups.Contracts.Settings;
using ClusterGroups.Web.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClusterGroups.UnitTests.Deploy;

// What the manifests give a node, fed to the Node's own wiring (no process started): its name, the cluster key it
// demands, its store's address.
public sealed class NodeWiringTests
{
    public static TheoryData<string> Sources() => ["k8s:base", "k8s:overlays/example", "compose"];

    [Theory, MemberData(nameof(Sources))]
    public async Task A_node_reads_its_name_key_and_store_it_is_given(string source)
    {
        var (settings, name, clusterKey) = NodeSettings(source);
        var host = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Configuration = new ConfigurationManager() });
        host.Configuration.AddInMemoryCollection(settings.Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)));
        host.AddNodeServices();
        await using var node = host.Services.BuildServiceProvider();

        Assert.Equal(name, node.GetRequiredService<IOptions<NodeOptions>>().Value.Name);
        Assert.Equal(clusterKey, node.GetRequiredService<IOptionsMonitor<KeyAuthenticationOptions>>().Get(ClusterKey.Scheme).Keys.Values.Single());
        var store = settings[SettingNames.EnvironmentVariable(SettingNames.ConnectionString(SettingNames.StoreConnection))];
        Assert.Equal([store], node.GetRequiredService<IOptionsMonitor<ConfigurationOptions>>().Get(Options.DefaultName).EndPoints.Select(ApiWiringTests.Address));
    }

    private static (Dictionary<string, string> Settings, string Name, string ClusterKey) NodeSettings(string source)
    {
        if (source == "compose")
        {
            var compose = ComposeFile.Load(DeployFiles.Compose);
            var (service, node) = compose.Services.First(s => DeployFiles.Repository(s.Value.Image) == DeployFiles.NodeImage);
            var settings = node.Environment.ToDictionary(kv => kv.Key,
                kv => kv.Value.StartsWith("${CLUSTER_KEY", StringComparison.Ordinal) ? "compose-cluster-key" : kv.Value);
            return (settings, service, "compose-cluster-key");
        }

        var output = KustomizeOutput.Build(source["k8s:".Length..]);
        var secret = output.OfKind<k8s.Models.V1Secret>().Single();
        string SecretValue(string key) => secret.StringData?.TryGetValue(key, out var s) == true
            ? s : System.Text.Encoding.UTF8.GetString(secret.Data[key]);
        var set = Workload.Running(output, DeployFiles.NodeImage);
        var podName = $"{set.Name}-{set.Replicas - 1}"; // the last pod, as the StatefulSet names it
        // What the kubelet makes of fieldRef metadata.name and secretKeyRef.
        var values = ContainerEnvironment.Of(set.Container(output, DeployFiles.NodeImage), output).ToDictionary(e => e.Name,
            e => e.Value ?? (e.FieldPath == "metadata.name" ? podName : SecretValue(e.Secret!.Key)));
        return (values, podName, SecretValue("cluster-key"));
    }
}
