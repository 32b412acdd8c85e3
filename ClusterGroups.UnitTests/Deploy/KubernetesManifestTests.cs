using ClusterGroups.Contracts.Settings;
using k8s;
using k8s.Models;

namespace ClusterGroups.UnitTests.Deploy;

// deploy/k8s kept true without a cluster: typed objects, references that resolve, the node list, the setting names.
public sealed class KubernetesManifestTests
{
    public static TheoryData<string> Kustomizations() => [.. DeployFiles.Kustomizations];

    private static readonly string[] Stores = ["redis", "garnet"];

    [Fact]
    public void There_is_a_base_an_example_overlay_and_one_with_the_PostgreSQL_coordinator() =>
        Assert.Equal(["base", "overlays/example", "overlays/postgres"], DeployFiles.Kustomizations);

    [Fact]
    public void Every_manifest_is_typed_kubernetes_objects_and_listed_in_its_kustomization()
    {
        var files = Directory.EnumerateFiles(DeployFiles.K8s, "*.yaml", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "kustomization.yaml").ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var objects = KustomizeOutput.LoadFile(file);
            Assert.NotEmpty(objects);
            Assert.All(objects, o => Assert.False(string.IsNullOrEmpty(o.Metadata?.Name), $"{file}: an object without a name"));
            var kustomization = Kustomization.Load(Path.GetDirectoryName(file)!);
            Assert.True(kustomization.Resources.Contains(Path.GetFileName(file)),
                $"{Path.GetRelativePath(DeployFiles.K8s, file)} is listed in no kustomization: it would never be applied.");
        }
    }

    [Fact]
    public void A_mistyped_field_fails_to_load()
    {
        var api = File.ReadAllText(Path.Combine(DeployFiles.K8s, "base", "api.yaml"));
        Assert.NotEmpty(KubernetesYaml.LoadAllFromString(api, strict: true));
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(api.Replace("readinessProbe:", "readynessProbe:"), strict: true));
    }

    [Fact]
    public void A_kustomize_field_the_checks_do_not_model_fails_to_load()
    {
        var directory = Directory.CreateTempSubdirectory("kustomization-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "kustomization.yaml"),
                File.ReadAllText(Path.Combine(DeployFiles.K8s, "base", "kustomization.yaml")) + "commonLabels:\n  a: b\n");
            Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() => Kustomization.Load(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory, MemberData(nameof(Kustomizations))]
    public void The_kustomization_builds(string directory)
    {
        var kustomization = Kustomization.Load(Path.Combine(DeployFiles.K8s, directory));
        Assert.Equal("kustomize.config.k8s.io/v1beta1", kustomization.ApiVersion);
        Assert.Equal("Kustomization", kustomization.Kind);
        NoProblems(KustomizeOutput.Build(directory).Problems);
    }

    [Theory, MemberData(nameof(Kustomizations))]
    public void Every_secret_key_config_map_and_volume_a_pod_refers_to_exists(string directory) =>
        NoProblems(ManifestChecks.References(KustomizeOutput.Build(directory)));

    [Theory, MemberData(nameof(Kustomizations))]
    public void Every_service_budget_and_policy_selects_pods(string directory) =>
        NoProblems(ManifestChecks.Selectors(KustomizeOutput.Build(directory)));

    [Theory, MemberData(nameof(Kustomizations))]
    public void The_Apis_node_list_is_the_pods_of_the_nodes_StatefulSet(string directory) =>
        NoProblems(ManifestChecks.NodeList(KustomizeOutput.Build(directory)));

    [Theory, MemberData(nameof(Kustomizations))]
    public void Every_setting_our_containers_get_is_one_the_projects_read(string directory) =>
        NoProblems(ManifestChecks.SettingNamesUsed(KustomizeOutput.Build(directory)));

    [Theory, MemberData(nameof(Kustomizations))]
    public void Pods_get_the_settings_the_AppHost_gives(string directory)
    {
        var output = KustomizeOutput.Build(directory);
        var api = ContainerEnvironment.Of(Workload.Running(output, DeployFiles.ApiImage).Container(output, DeployFiles.ApiImage), output);
        var nodeWorkload = Workload.Running(output, DeployFiles.NodeImage);
        var node = ContainerEnvironment.Of(nodeWorkload.Container(output, DeployFiles.NodeImage), output);
        string Env(string setting) => SettingNames.EnvironmentVariable(setting);

        // Node:Name is the pod's name (node-0, ...), the name the Api's list and the journal know it by.
        Assert.Equal("metadata.name", Assert.Single(node, e => e.Name == Env(SettingNames.NodeName)).FieldPath);

        // One Cluster:Key, from the Secret, for the Api and every node.
        var apiKey = Assert.Single(api, e => e.Name == Env(SettingNames.ClusterKey)).Secret;
        var nodeKey = Assert.Single(node, e => e.Name == Env(SettingNames.ClusterKey)).Secret;
        Assert.NotNull(apiKey);
        Assert.Equal((apiKey.Name, apiKey.Key), (nodeKey?.Name, nodeKey?.Key));

        // Callers' keys come from the Secret too, never from the manifest (their roles are plain values).
        var callerKeys = api.Where(e => e.Name.StartsWith(Env(SettingNames.ApiKeys) + "__", StringComparison.Ordinal)
            && !e.Name.EndsWith("__Role", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(callerKeys);
        Assert.All(callerKeys, k => Assert.NotNull(k.Secret));

        // ConnectionStrings:store is the store beside the node, in its pod, on the port it listens on.
        var store = nodeWorkload.Containers.Single(c => Stores.Any(s => c.Image.StartsWith(s, StringComparison.Ordinal)));
        var storePort = store.Ports.Single().ContainerPort;
        Assert.Equal($"127.0.0.1:{storePort}", node.Value(Env(SettingNames.ConnectionString(SettingNames.StoreConnection))));
        Assert.Equal("127.0.0.1", Arg(store, "--bind"));
        Assert.Equal($"{storePort}", Arg(store, "--port") ?? "6379");

        // ConnectionStrings:coordinator is pod 0 of the coordinator StatefulSet (one primary), by its DNS name; or, with
        // the PostgreSQL coordinator, its read-write Service (PostgresCoordinatorManifestTests).
        if (api.Value(Env(SettingNames.CoordinatorStore)) == "postgres")
        {
            NoProblems(ManifestChecks.PostgresCoordinator(output));
            return;
        }

        var coordinator = api.Value(Env(SettingNames.ConnectionString(SettingNames.CoordinatorConnection)));
        Assert.NotNull(coordinator);
        var host = coordinator.Split(':')[0].Split('.');
        var set = output.Find<V1StatefulSet>(host[0][..host[0].LastIndexOf('-')]);
        Assert.NotNull(set);
        Assert.Equal($"{set.Metadata.Name}-0", host[0]);
        Assert.Equal(set.Spec.ServiceName, host[1]);
        Assert.Equal(1, set.Spec.Replicas);
        Assert.Contains(set.Spec.Template.Spec.Containers.SelectMany(c => c.Ports), p => $"{p.ContainerPort}" == coordinator.Split(':')[1]);
    }

    [Theory, MemberData(nameof(Kustomizations))]
    public void Stores_fsync_every_write_to_a_volume_of_their_own(string directory)
    {
        var output = KustomizeOutput.Build(directory);
        var stores = Workload.All(output)
            .SelectMany(w => w.Containers.Where(c => Stores.Any(s => c.Image.StartsWith(s, StringComparison.Ordinal))).Select(c => (w, c)))
            .ToList();
        // The one beside every node, and the Redis coordinator unless the PostgreSQL one replaced it.
        Assert.Equal(output.Find<V1StatefulSet>("coordinator") is null ? 1 : 2, stores.Count);
        foreach (var (workload, store) in stores)
        {
            Assert.Equal("yes", Arg(store, "--appendonly"));
            Assert.Equal("always", Arg(store, "--appendfsync"));
            if (store.Image.StartsWith("garnet", StringComparison.Ordinal))
            {
                Assert.Contains("--lua", store.Args); // nodes and coordinator run Lua scripts; redis has it built in
            }

            var dir = Arg(store, "--dir");
            var mount = Assert.Single(store.VolumeMounts, m => m.MountPath == dir);
            Assert.Contains(workload.Claims, c => c.Metadata.Name == mount.Name); // a persistent volume per pod
            Assert.DoesNotContain(workload.Containers.Where(c => c != store), c => (c.VolumeMounts ?? []).Any(m => m.Name == mount.Name));
        }
    }

    [Theory, MemberData(nameof(Kustomizations))]
    public void The_Api_is_replicated_budgeted_and_probed(string directory)
    {
        var output = KustomizeOutput.Build(directory);
        var api = Workload.Running(output, DeployFiles.ApiImage);
        Assert.Equal("Deployment", api.Kind);
        Assert.True(api.Replicas >= 2, $"{directory}: the Api runs {api.Replicas} replica(s); give it at least 2.");
        var budget = Assert.Single(output.OfKind<V1PodDisruptionBudget>(), b => api.Selects(b.Spec.Selector.MatchLabels));
        Assert.True(budget.Spec.MinAvailable?.Value is "1" or "2" || budget.Spec.MaxUnavailable?.Value == "1");

        foreach (var image in new[] { DeployFiles.ApiImage, DeployFiles.NodeImage })
        {
            var container = Workload.Running(output, image).Container(output, image);
            Assert.Equal("/health", container.ReadinessProbe?.HttpGet?.Path);
            Assert.Equal("/alive", container.LivenessProbe?.HttpGet?.Path);
        }
    }

    [Theory, MemberData(nameof(Kustomizations))]
    public void Every_container_has_requests_and_limits(string directory)
    {
        foreach (var workload in Workload.All(KustomizeOutput.Build(directory)))
        {
            foreach (var container in workload.Containers)
            {
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    Assert.True(container.Resources?.Requests?.ContainsKey(resource) == true, $"{workload.Name}/{container.Name}: no {resource} request");
                    Assert.True(container.Resources?.Limits?.ContainsKey(resource) == true, $"{workload.Name}/{container.Name}: no {resource} limit");
                }
            }
        }
    }

    [Theory, MemberData(nameof(Kustomizations))]
    public void Our_images_are_the_ones_the_projects_publish(string directory)
    {
        var output = KustomizeOutput.Build(directory);
        var images = Workload.All(output).SelectMany(w => w.Containers).Select(c => output.ImageOrigin(c.Image)).ToHashSet();
        Assert.Contains(DeployFiles.ApiImage, images);
        Assert.Contains(DeployFiles.NodeImage, images);
        Assert.All(images, i => Assert.True(i == DeployFiles.ApiImage || i == DeployFiles.NodeImage || Stores.Contains(i),
            $"{directory}: image '{i}' is neither a ContainerRepository of ours nor a store."));
    }

    // The checks themselves can fail: each is shown a manifest broken the way a hand edit breaks it.
    [Fact]
    public void A_wrong_secret_key_is_reported()
    {
        var output = KustomizeOutput.Build("base");
        var api = Workload.Running(output, DeployFiles.ApiImage).Container(output, DeployFiles.ApiImage);
        api.Env.Single(e => e.Name == "Cluster__Key").ValueFrom.SecretKeyRef.Key = "cluster-kee";
        Assert.Contains(ManifestChecks.References(output), p => p.Contains("reads key 'cluster-kee' of Secret 'clustergroups-keys'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_node_the_Api_does_not_list_is_reported()
    {
        var output = KustomizeOutput.Build("base");
        output.Find<V1StatefulSet>("node")!.Spec.Replicas = 4;
        Assert.Contains(ManifestChecks.NodeList(output), p => p.Contains("has 4 pods", StringComparison.Ordinal));
    }

    [Fact]
    public void A_mistyped_setting_is_reported()
    {
        var output = KustomizeOutput.Build("base");
        Workload.Running(output, DeployFiles.NodeImage).Container(output, DeployFiles.NodeImage).Env.Add(new V1EnvVar { Name = "Node__Nmae", Value = "node-0" });
        Assert.Contains(ManifestChecks.SettingNamesUsed(output), p => p.Contains("gets Node__Nmae, which is no setting", StringComparison.Ordinal));
    }

    [Fact]
    public void A_service_for_pods_that_do_not_exist_is_reported()
    {
        var output = KustomizeOutput.Build("base");
        output.Find<V1Service>("nodes")!.Spec.Selector["app.kubernetes.io/name"] = "nodes";
        Assert.Contains(ManifestChecks.Selectors(output), p => p.Contains("Service 'nodes' selects no pods", StringComparison.Ordinal));
    }

    // Every problem in full, one a line (xunit would cut a collection's items short).
    internal static void NoProblems(IEnumerable<string> problems)
    {
        var list = problems.ToList();
        Assert.True(list.Count == 0, string.Join(Environment.NewLine, list));
    }

    // "--appendfsync always" -> "always"
    private static string? Arg(V1Container container, string name)
    {
        var args = (container.Command ?? []).Concat(container.Args ?? []).ToList();
        var i = args.IndexOf(name);
        return i >= 0 && i + 1 < args.Count ? args[i + 1] : null;
    }
}
