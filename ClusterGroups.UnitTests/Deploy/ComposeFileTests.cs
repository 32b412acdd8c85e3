using ClusterGroups.Contracts.Settings;

namespace ClusterGroups.UnitTests.Deploy;

// deploy/compose.yaml passes the same checks as deploy/k8s: settings, node list, stores, volumes, references, images.
public sealed class ComposeFileTests
{
    private static readonly ComposeFile Compose = ComposeFile.Load(DeployFiles.Compose);

    private static IEnumerable<KeyValuePair<string, ComposeService>> Running(string image) =>
        Compose.Services.Where(s => DeployFiles.Repository(s.Value.Image) == image);

    private static string Env(string setting) => SettingNames.EnvironmentVariable(setting);

    [Fact]
    public void Every_setting_our_services_get_is_one_the_projects_read()
    {
        var unknown = Running(DeployFiles.ApiImage).Concat(Running(DeployFiles.NodeImage))
            .SelectMany(s => s.Value.Environment.Keys.Where(k => !SettingNames.IsKnownEnvironmentVariable(k)).Select(k => $"{s.Key}: {k}"));
        KubernetesManifestTests.NoProblems(unknown);
    }

    [Fact]
    public void The_Apis_node_list_is_every_node_service()
    {
        var api = Assert.Single(Running(DeployFiles.ApiImage)).Value;
        var nodes = Running(DeployFiles.NodeImage).Select(n => n.Key).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(nodes);
        var entries = ManifestChecks.NodeEntries(api.Environment.Select(e => new EnvSetting(e.Key, e.Value, null, null, null)));
        Assert.Equal(nodes.Select(n => $"http://{n}:8080"), entries);
        foreach (var (name, node) in Running(DeployFiles.NodeImage))
        {
            Assert.Equal(name, node.Environment[Env(SettingNames.NodeName)]);
        }
    }

    [Fact]
    public void Every_node_has_a_store_of_its_own_and_the_Api_the_coordinator()
    {
        var stores = new List<string>();
        foreach (var (name, node) in Running(DeployFiles.NodeImage))
        {
            var store = node.Environment[Env(SettingNames.ConnectionString(SettingNames.StoreConnection))];
            stores.Add(store.Split(':')[0]);
            Assert.Equal("service_healthy", node.DependsOn[store.Split(':')[0]].Condition);
        }

        Assert.Equal(stores.Count, stores.Distinct().Count());
        var api = Assert.Single(Running(DeployFiles.ApiImage)).Value;
        var coordinator = api.Environment[Env(SettingNames.ConnectionString(SettingNames.CoordinatorConnection))].Split(':')[0];
        Assert.DoesNotContain(coordinator, stores);
        Assert.Equal("service_healthy", api.DependsOn[coordinator].Condition);

        var volumes = new List<string>();
        foreach (var store in stores.Append(coordinator))
        {
            var service = Compose.Services[store];
            Assert.StartsWith("redis:", service.Image, StringComparison.Ordinal); // Lua built in; Garnet would need --lua
            Assert.Equal("yes", service.Arg("--appendonly"));
            Assert.Equal("always", service.Arg("--appendfsync"));
            var volume = Assert.Single(service.Volumes, v => v.EndsWith(":" + service.Arg("--dir"), StringComparison.Ordinal)).Split(':')[0];
            Assert.True(Compose.Volumes.ContainsKey(volume), $"{store}: volume '{volume}' is not declared under volumes:");
            volumes.Add(volume);
        }

        Assert.Equal(volumes.Count, volumes.Distinct().Count());
    }

    [Fact]
    public void Keys_come_from_the_environment_never_from_the_file()
    {
        var services = Running(DeployFiles.ApiImage).Concat(Running(DeployFiles.NodeImage)).ToList();
        var clusterKeys = services.Select(s => s.Value.Environment[Env(SettingNames.ClusterKey)]).Distinct().ToList();
        Assert.StartsWith("${CLUSTER_KEY:?", Assert.Single(clusterKeys), StringComparison.Ordinal);
        var callerKeys = services.SelectMany(s => s.Value.Environment)
            .Where(e => e.Key.StartsWith(Env(SettingNames.ApiKeys) + "__", StringComparison.Ordinal)
                && !e.Key.EndsWith("__Role", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(callerKeys);
        Assert.All(callerKeys, k => Assert.StartsWith("${", k.Value, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_service_depends_on_services_and_mounts_declared_volumes()
    {
        foreach (var (name, service) in Compose.Services)
        {
            Assert.All(service.DependsOn.Keys, d => Assert.True(Compose.Services.ContainsKey(d), $"{name} depends on '{d}', which is no service."));
            Assert.All(service.DependsOn.Values, d => Assert.Contains(d.Condition, new[] { "service_started", "service_healthy" }));
            Assert.All(service.Volumes.Select(v => v.Split(':')[0]), v => Assert.True(Compose.Volumes.ContainsKey(v), $"{name} mounts '{v}', which is not declared."));
            Assert.False(string.IsNullOrEmpty(service.Image), $"{name} has no image.");
        }
    }

    // The same services and settings as the Kubernetes base: one coordinator, a store per node, the same variables.
    [Fact]
    public void Compose_and_Kubernetes_give_our_containers_the_same_settings()
    {
        var k8s = KustomizeOutput.Build("base");
        foreach (var image in new[] { DeployFiles.ApiImage, DeployFiles.NodeImage })
        {
            var pod = ContainerEnvironment.Of(Workload.Running(k8s, image).Container(k8s, image), k8s)
                .Select(e => e.Name).Where(SettingNames.IsKnownEnvironmentVariable).ToHashSet();
            foreach (var (name, service) in Running(image))
            {
                var compose = service.Environment.Keys.Where(k => !SettingNames.Platform.Contains(k)).ToHashSet();
                Assert.True(pod.SetEquals(compose),
                    $"{image}: Kubernetes gives [{string.Join(", ", pod.Order())}], compose service {name} [{string.Join(", ", compose.Order())}].");
            }
        }

        Assert.Equal(Workload.Running(k8s, DeployFiles.NodeImage).Replicas, Running(DeployFiles.NodeImage).Count());
    }

    [Fact]
    public void A_compose_key_this_model_does_not_know_fails_to_load()
    {
        var path = Path.Combine(Path.GetTempPath(), $"compose-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, File.ReadAllText(DeployFiles.Compose).Replace("    depends_on:", "    depend_on:"));
        try
        {
            Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() => ComposeFile.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
