using ClusterGroups.Contracts.Settings;
using k8s.Models;

namespace ClusterGroups.UnitTests.Deploy;

// Each check returns what is wrong, one sentence a problem, so a failing test says what to fix in which manifest.
public static class ManifestChecks
{
    // Every Secret key, ConfigMap and volume a pod refers to exists; every mount has a volume; probes name real ports.
    public static IEnumerable<string> References(KustomizeOutput output)
    {
        foreach (var workload in Workload.All(output))
        {
            var where = $"{output.Directory}: {workload.Kind}/{workload.Name}";
            var volumes = (workload.Pod.Volumes ?? []).Select(v => v.Name).Concat(workload.Claims.Select(c => c.Metadata.Name)).ToHashSet();
            foreach (var volume in workload.Pod.Volumes ?? [])
            {
                if (volume.Secret is { } s && output.Find<V1Secret>(s.SecretName) is null)
                {
                    yield return $"{where}: volume '{volume.Name}' mounts Secret '{s.SecretName}', which does not exist.";
                }

                if (volume.ConfigMap is { } m && output.Find<V1ConfigMap>(m.Name) is null)
                {
                    yield return $"{where}: volume '{volume.Name}' mounts ConfigMap '{m.Name}', which does not exist.";
                }
            }

            foreach (var container in workload.Containers)
            {
                var at = $"{where}, container '{container.Name}'";
                foreach (var from in container.EnvFrom ?? [])
                {
                    if (from.ConfigMapRef is { } map && output.Find<V1ConfigMap>(map.Name) is null)
                    {
                        yield return $"{at}: envFrom ConfigMap '{map.Name}' does not exist.";
                    }

                    if (from.SecretRef is { } secret && output.Find<V1Secret>(secret.Name) is null)
                    {
                        yield return $"{at}: envFrom Secret '{secret.Name}' does not exist.";
                    }
                }

                foreach (var env in container.Env ?? [])
                {
                    if (env.ValueFrom?.SecretKeyRef is { } key)
                    {
                        var secret = output.Find<V1Secret>(key.Name);
                        if (secret is null)
                        {
                            yield return $"{at}: {env.Name} reads Secret '{key.Name}', which does not exist.";
                        }
                        else if (!ContainerEnvironment.SecretKeys(secret).Contains(key.Key))
                        {
                            yield return $"{at}: {env.Name} reads key '{key.Key}' of Secret '{key.Name}', which has only {string.Join(", ", ContainerEnvironment.SecretKeys(secret))}.";
                        }
                    }

                    if (env.ValueFrom?.ConfigMapKeyRef is { } mapKey
                        && output.Find<V1ConfigMap>(mapKey.Name)?.Data?.ContainsKey(mapKey.Key) != true)
                    {
                        yield return $"{at}: {env.Name} reads key '{mapKey.Key}' of ConfigMap '{mapKey.Name}', which does not exist.";
                    }
                }

                foreach (var mount in container.VolumeMounts ?? [])
                {
                    if (!volumes.Contains(mount.Name))
                    {
                        yield return $"{at}: mounts '{mount.Name}', which is neither a volume nor a volume claim template.";
                    }
                }

                var ports = (container.Ports ?? []).Select(p => p.Name).OfType<string>().ToHashSet();
                foreach (var (kind, probe) in new[] { ("readiness", container.ReadinessProbe), ("liveness", container.LivenessProbe), ("startup", container.StartupProbe) })
                {
                    if (probe?.HttpGet?.Port is { } port && port.Value is { } name && !int.TryParse(name, out _) && !ports.Contains(name))
                    {
                        yield return $"{at}: {kind} probe uses port '{name}', which the container does not declare.";
                    }
                }
            }
        }
    }

    // Every Service, PodDisruptionBudget and NetworkPolicy selects pods; a Service's target port is one those pods
    // declare; a StatefulSet's serviceName is a headless Service that selects its pods.
    public static IEnumerable<string> Selectors(KustomizeOutput output)
    {
        var workloads = Workload.All(output).ToList();
        foreach (var service in output.OfKind<V1Service>())
        {
            var selected = workloads.Where(w => w.Selects(service.Spec.Selector)).ToList();
            if (selected.Count == 0)
            {
                yield return $"{output.Directory}: Service '{service.Metadata.Name}' selects no pods.";
                continue;
            }

            foreach (var port in service.Spec.Ports)
            {
                var target = port.TargetPort?.Value ?? port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!selected.Any(w => w.Containers.Any(c => (c.Ports ?? []).Any(p =>
                        p.Name == target || p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == target))))
                {
                    yield return $"{output.Directory}: Service '{service.Metadata.Name}' targets port '{target}', which its pods do not declare.";
                }
            }
        }

        foreach (var set in output.OfKind<V1StatefulSet>())
        {
            var governing = output.Find<V1Service>(set.Spec.ServiceName);
            if (governing is null || governing.Spec.ClusterIP != "None" || !Workload.All(output).Single(w => w.Name == set.Metadata.Name && w.Kind == "StatefulSet").Selects(governing.Spec.Selector))
            {
                yield return $"{output.Directory}: StatefulSet '{set.Metadata.Name}' names serviceName '{set.Spec.ServiceName}', which is not a headless Service selecting its pods (its pods get no DNS names).";
            }
        }

        foreach (var budget in output.OfKind<V1PodDisruptionBudget>())
        {
            if (!workloads.Any(w => w.Selects(budget.Spec.Selector?.MatchLabels)))
            {
                yield return $"{output.Directory}: PodDisruptionBudget '{budget.Metadata.Name}' selects no pods.";
            }
        }

        foreach (var policy in output.OfKind<V1NetworkPolicy>())
        {
            if (!workloads.Any(w => w.Selects(policy.Spec.PodSelector?.MatchLabels)))
            {
                yield return $"{output.Directory}: NetworkPolicy '{policy.Metadata.Name}' applies to no pods.";
            }

            foreach (var peer in (policy.Spec.Ingress ?? []).SelectMany(i => i.FromProperty ?? []))
            {
                if (peer.PodSelector is { } from && !workloads.Any(w => w.Selects(from.MatchLabels)))
                {
                    yield return $"{output.Directory}: NetworkPolicy '{policy.Metadata.Name}' admits pods that no workload has.";
                }
            }
        }
    }

    // The Api's Cluster:Nodes:0..N-1 are exactly the pods of the nodes StatefulSet, by their headless DNS names.
    public static IEnumerable<string> NodeList(KustomizeOutput output)
    {
        var api = Workload.Running(output, DeployFiles.ApiImage);
        var nodes = output.OfKind<V1StatefulSet>().Single(s => Workload.All(output).Any(w => w.Name == s.Metadata.Name
            && w.Kind == "StatefulSet" && w.Containers.Any(c => output.ImageOrigin(c.Image) == DeployFiles.NodeImage)));
        var port = Workload.Running(output, DeployFiles.NodeImage).Container(output, DeployFiles.NodeImage).Ports.Single(p => p.Name == "http").ContainerPort;
        var expected = Enumerable.Range(0, nodes.Spec.Replicas ?? 1)
            .Select(i => $"http://{nodes.Metadata.Name}-{i}.{nodes.Spec.ServiceName}:{port}")
            .ToList();
        var actual = NodeEntries(ContainerEnvironment.Of(api.Container(output, DeployFiles.ApiImage), output));
        if (!actual.SequenceEqual(expected))
        {
            yield return $"{output.Directory}: the Api's Cluster:Nodes are [{string.Join(", ", actual)}] but the StatefulSet " +
                         $"'{nodes.Metadata.Name}' has {nodes.Spec.Replicas} pods: [{string.Join(", ", expected)}].";
        }
    }

    // Cluster__Nodes__0, __1, ... in index order; a gap or a duplicate shows as a wrong list.
    public static List<string> NodeEntries(IEnumerable<EnvSetting> env)
    {
        var prefix = SettingNames.EnvironmentVariable(SettingNames.ClusterNodes) + "__";
        return env.Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(e => (Index: int.TryParse(e.Name[prefix.Length..], out var i) ? i : -1, e.Value))
            .OrderBy(e => e.Index)
            .Select((e, position) => e.Index == position ? e.Value ?? "" : $"(index {e.Index} in place {position}: {e.Value})")
            .ToList();
    }

    // Every variable our containers get is a setting the projects read (SettingNames), nothing mistyped or stale.
    public static IEnumerable<string> SettingNamesUsed(KustomizeOutput output)
    {
        foreach (var workload in Workload.All(output))
        {
            foreach (var container in workload.Containers.Where(c => output.ImageOrigin(c.Image) is var o && (o == DeployFiles.ApiImage || o == DeployFiles.NodeImage)))
            {
                foreach (var env in ContainerEnvironment.Of(container, output).Where(e => !SettingNames.IsKnownEnvironmentVariable(e.Name)))
                {
                    yield return $"{output.Directory}: {workload.Kind}/{workload.Name} container '{container.Name}' gets {env.Name}, which is no setting in SettingNames.";
                }
            }
        }
    }

    // The PostgreSQL coordinator (overlays/postgres): one CloudNativePG Cluster that replicates synchronously and keeps
    // a quorum when an instance is lost, and the Api pointed at its read-write Service as its owner, with the password
    // from the Secret the operator makes. No Redis coordinator left beside it.
    public static IEnumerable<string> PostgresCoordinator(KustomizeOutput output)
    {
        var where = output.Directory;
        var clusters = output.OfKind<CnpgCluster>().ToList();
        if (clusters.Count != 1)
        {
            yield return $"{where}: {clusters.Count} CloudNativePG Clusters; the PostgreSQL coordinator is one.";
            yield break;
        }

        var cluster = clusters[0];
        var spec = cluster.Spec;
        if (spec.Instances < 3)
        {
            yield return $"{where}: Cluster '{cluster.Metadata.Name}' has {spec.Instances} instances; give 3, so that a promoted one still has a synchronous standby.";
        }

        if (spec.Postgresql.Synchronous is not { Method: "any" or "first" } sync || sync.Number < 1 || sync.Number > spec.Instances - 2)
        {
            yield return $"{where}: Cluster '{cluster.Metadata.Name}' must acknowledge a commit only once ANY (or FIRST) 1 to {spec.Instances - 2} standbys have it (postgresql.synchronous).";
        }
        else if (sync.DataDurability is not (null or "required"))
        {
            yield return $"{where}: Cluster '{cluster.Metadata.Name}' has dataDurability '{sync.DataDurability}': writes would go on unreplicated when standbys are lost; use required.";
        }

        if (output.Find<V1StatefulSet>("coordinator") is not null)
        {
            yield return $"{where}: the Redis coordinator StatefulSet is still there beside the PostgreSQL one.";
        }

        var api = ContainerEnvironment.Of(Workload.Running(output, DeployFiles.ApiImage).Container(output, DeployFiles.ApiImage), output);
        var text = api.Value(SettingNames.EnvironmentVariable(SettingNames.ConnectionString(SettingNames.CoordinatorConnection))) ?? "";
        Npgsql.NpgsqlConnectionStringBuilder? connection = null;
        string? error = null;
        try
        {
            connection = new Npgsql.NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException e)
        {
            error = e.Message;
        }

        if (connection is null)
        {
            yield return $"{where}: the Api's ConnectionStrings__coordinator '{text}' is no Npgsql connection string: {error}";
            yield break;
        }

        var expected = (cluster.ReadWriteService, CnpgCluster.Port, spec.Bootstrap.Initdb.Database, spec.Bootstrap.Initdb.Owner);
        var actual = (connection.Host, connection.Port, connection.Database, connection.Username);
        if (actual != expected)
        {
            yield return $"{where}: the Api connects to {actual} (host, port, database, user); the Cluster's read-write Service and owner are {expected}.";
        }

        if (!string.IsNullOrEmpty(connection.Password))
        {
            yield return $"{where}: the Api's connection string holds a password; it belongs in the Secret ({cluster.AppSecret}).";
        }

        var password = api.LastOrDefault(e => e.Name == "PGPASSWORD")?.Secret;
        if (password is null || password.Name != cluster.AppSecret || password.Key != "password")
        {
            yield return $"{where}: the Api's PGPASSWORD must come from key 'password' of the Secret {cluster.AppSecret}, which the operator makes.";
        }
    }
}
