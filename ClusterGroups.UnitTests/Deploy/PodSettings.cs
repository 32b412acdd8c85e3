using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ClusterGroups.UnitTests.Deploy;

// The values a container ends up with, as the kubelet or docker compose fills them in, and as .NET reads them.
public static class PodSettings
{
    // Where a pod's settings come from: each kustomization, and the compose file.
    public static TheoryData<string> Sources() => ["k8s:base", "k8s:overlays/example", "compose"];

    // A host with nothing but these settings (no appsettings, no environment), for a project's own wiring.
    public static HostApplicationBuilder Host(IReadOnlyDictionary<string, string> variables)
    {
        var host = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { DisableDefaults = true, Configuration = new ConfigurationManager() });
        host.Configuration.AddConfiguration(AsConfiguration(variables));
        return host;
    }

    public const string ComposeClusterKey = "compose-cluster-key";
    public const string ComposeApiKey = "compose-api-key";

    // Environment variables as configuration: Cluster__Nodes__0 is Cluster:Nodes:0.
    public static IConfiguration AsConfiguration(IReadOnlyDictionary<string, string> variables) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(variables.Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)))
            .Build();

    // What the kubelet makes of env: values, secretKeyRef (from the one Secret), fieldRef metadata.name.
    public static Dictionary<string, string> Kubernetes(KustomizeOutput output, V1Container container, string podName) =>
        ContainerEnvironment.Of(container, output).ToDictionary(e => e.Name,
            e => e.Value ?? (e.FieldPath == "metadata.name" ? podName : SecretValue(output, e.Secret!.Key, e.Secret.Name)));

    public static string SecretValue(KustomizeOutput output, string key, string? name = null)
    {
        var secret = output.OfKind<V1Secret>().Single(s => name is null ? ContainerEnvironment.SecretKeys(s).Contains(key) : s.Metadata.Name == name);
        return secret.StringData?.TryGetValue(key, out var s) == true ? s : System.Text.Encoding.UTF8.GetString(secret.Data[key]);
    }

    // What docker compose makes of ${CLUSTER_KEY:?...} and ${API_KEY:?...} with both set.
    public static Dictionary<string, string> Compose(ComposeService service) =>
        service.Environment.ToDictionary(kv => kv.Key, kv => kv.Value switch
        {
            var v when v.StartsWith("${CLUSTER_KEY", StringComparison.Ordinal) => ComposeClusterKey,
            var v when v.StartsWith("${API_KEY", StringComparison.Ordinal) => ComposeApiKey,
            var v => v,
        });
}
