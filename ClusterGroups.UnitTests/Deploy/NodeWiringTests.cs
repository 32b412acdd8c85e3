using ClusterGroups.Contracts.Settings;
using ClusterGroups.Web.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClusterGroups.UnitTests.Deploy;

// What the manifests give a node, fed to the Node's own wiring (no process started): its name, the cluster key it
// demands, its store's address.
public sealed class NodeWiringTests
{
    [Theory, MemberData(nameof(PodSettings.Sources), MemberType = typeof(PodSettings))]
    public async Task A_node_reads_its_name_key_and_store_it_is_given(string source)
    {
        var (settings, name, clusterKey) = NodeSettings(source);
        var host = PodSettings.Host(settings);
        host.AddNodeServices();
        await using var node = host.Services.BuildServiceProvider();

        Assert.Equal(name, node.GetRequiredService<IOptions<NodeOptions>>().Value.Name);
        Assert.Equal(clusterKey, node.GetRequiredService<IOptionsMonitor<KeyAuthenticationOptions>>().Get(ClusterKey.Scheme).Keys.Single().Key);
        var store = settings.GetValueOrDefault(SettingNames.EnvironmentVariable(SettingNames.ConnectionString(SettingNames.StoreConnection)));
        Assert.NotNull(store);
        Assert.Equal([store], node.GetRequiredService<IOptionsMonitor<ConfigurationOptions>>().Get(Options.DefaultName).EndPoints.Select(ApiWiringTests.Address));
    }

    private static (Dictionary<string, string> Settings, string Name, string ClusterKey) NodeSettings(string source)
    {
        if (source == "compose")
        {
            var (service, node) = ComposeFile.Load(DeployFiles.Compose).Services.First(s => DeployFiles.Repository(s.Value.Image) == DeployFiles.NodeImage);
            return (PodSettings.Compose(node), service, PodSettings.ComposeClusterKey);
        }

        var output = KustomizeOutput.Build(source["k8s:".Length..]);
        var set = Workload.Running(output, DeployFiles.NodeImage);
        var podName = $"{set.Name}-{set.Replicas - 1}"; // the last pod, as the StatefulSet names it
        return (PodSettings.Kubernetes(output, set.Container(output, DeployFiles.NodeImage), podName), podName,
            PodSettings.SecretValue(output, "cluster-key"));
    }
}
