using k8s.Models;

namespace ClusterGroups.UnitTests.Deploy;

// deploy/k8s/overlays/postgres: the coordinator in a replicated PostgreSQL (CloudNativePG), checked without a cluster.
public sealed class PostgresCoordinatorManifestTests
{
    private const string Overlay = "overlays/postgres";

    [Fact]
    public void The_overlay_runs_a_synchronously_replicated_quorum_and_points_the_Api_at_its_primary()
    {
        var output = KustomizeOutput.Build(Overlay);
        KubernetesManifestTests.NoProblems(output.Problems);
        KubernetesManifestTests.NoProblems(ManifestChecks.PostgresCoordinator(output));
        var cluster = Assert.Single(output.OfKind<CnpgCluster>());
        Assert.Equal(("any", 1, 3), (cluster.Spec.Postgresql.Synchronous!.Method, cluster.Spec.Postgresql.Synchronous.Number, cluster.Spec.Instances));
        Assert.Equal("clustergroups", cluster.Metadata.Labels?["app.kubernetes.io/part-of"]);
    }

    [Fact]
    public void The_base_keeps_its_Redis_coordinator()
    {
        var output = KustomizeOutput.Build("base");
        Assert.NotNull(output.Find<V1StatefulSet>("coordinator"));
        Assert.Empty(output.OfKind<CnpgCluster>());
    }

    // The checks can fail: each is shown the overlay broken the way a hand edit breaks it.
    [Fact]
    public void Two_instances_are_reported()
    {
        var output = KustomizeOutput.Build(Overlay);
        output.OfKind<CnpgCluster>().Single().Spec.Instances = 2;
        Assert.Contains(ManifestChecks.PostgresCoordinator(output), p => p.Contains("has 2 instances", StringComparison.Ordinal));
    }

    [Fact]
    public void Asynchronous_or_preferred_replication_is_reported()
    {
        var output = KustomizeOutput.Build(Overlay);
        var cluster = output.OfKind<CnpgCluster>().Single();
        cluster.Spec.Postgresql.Synchronous!.DataDurability = "preferred";
        Assert.Contains(ManifestChecks.PostgresCoordinator(output), p => p.Contains("dataDurability 'preferred'", StringComparison.Ordinal));
        cluster.Spec.Postgresql.Synchronous = null;
        Assert.Contains(ManifestChecks.PostgresCoordinator(output), p => p.Contains("postgresql.synchronous", StringComparison.Ordinal));
    }

    [Fact]
    public void An_Api_pointed_at_a_replica_or_a_wrong_secret_is_reported()
    {
        var output = KustomizeOutput.Build(Overlay);
        var api = Workload.Running(output, DeployFiles.ApiImage).Container(output, DeployFiles.ApiImage);
        var coordinator = api.Env.Single(e => e.Name == "ConnectionStrings__coordinator");
        coordinator.Value = coordinator.Value.Replace("coordinator-pg-rw", "coordinator-pg-ro", StringComparison.Ordinal);
        api.Env.Single(e => e.Name == "PGPASSWORD").ValueFrom.SecretKeyRef.Key = "pgpass";
        var problems = ManifestChecks.PostgresCoordinator(output).ToList();
        Assert.Contains(problems, p => p.Contains("(coordinator-pg-ro, 5432, clustergroups, clustergroups)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("PGPASSWORD must come from key 'password'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_custom_resource_with_a_mistyped_field_fails_to_load()
    {
        var file = Path.Combine(DeployFiles.K8s, Overlay, "coordinator-postgres.yaml");
        var directory = Directory.CreateTempSubdirectory("cnpg-").FullName;
        try
        {
            var broken = Path.Combine(directory, "cluster.yaml");
            File.WriteAllText(broken, File.ReadAllText(file).Replace("dataDurability:", "dataDurabilty:", StringComparison.Ordinal));
            Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() => KustomizeOutput.LoadFile(broken));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_patch_that_no_longer_fits_the_base_is_reported()
    {
        var json = JsonPatch.FromYaml("{env: [{name: a}, {name: b}]}")!;
        var ops = JsonPatch.FromYaml("[{op: test, path: /env/1/name, value: c}, {op: replace, path: /env/5, value: x}]")!;
        var problems = JsonPatch.Apply(json, ops).ToList();
        Assert.Equal(2, problems.Count);
        Assert.Contains("is \"b\", not \"c\"", problems[0], StringComparison.Ordinal);
        Assert.Contains("outside the array of 2", problems[1], StringComparison.Ordinal);
    }
}
