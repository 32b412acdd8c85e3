using k8s;
using k8s.Models;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ClusterGroups.UnitTests.Deploy;

// CloudNativePG's Cluster (postgresql.cnpg.io/v1), the PostgreSQL coordinator of deploy/k8s/overlays/postgres. A
// custom resource is no KubernetesClient type: it is read strictly into this model of the fields we write, so a
// mistyped field still fails to load. The operator makes what the Api refers to: the read-write Service <name>-rw
// (the primary, wherever it is) and the Secret <name>-app with the owner's credentials.
public sealed class CnpgCluster : IKubernetesObject<V1ObjectMeta>
{
    public const string ApiGroupVersion = "postgresql.cnpg.io/v1";
    public const string ClusterKind = "Cluster";
    public const int Port = 5432;

    // The keys CloudNativePG puts in the <name>-app Secret.
    public static readonly string[] AppSecretKeys = ["username", "password", "host", "port", "dbname", "uri", "jdbc-uri", "pgpass"];

    public string ApiVersion { get; set; } = ApiGroupVersion;
    public string Kind { get; set; } = ClusterKind;
    public V1ObjectMeta Metadata { get; set; } = new();
    public ClusterSpec Spec { get; set; } = new();

    public string ReadWriteService => $"{Metadata.Name}-rw";
    public string AppSecret => $"{Metadata.Name}-app";

    // The Secret the operator will make, as the checks need it (its keys; the values are the operator's).
    public V1Secret GeneratedAppSecret() => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta { Name = AppSecret, Annotations = new Dictionary<string, string> { ["generated-by"] = "cloudnative-pg" } },
        StringData = AppSecretKeys.ToDictionary(k => k, k => $"({k}, made by the operator)"),
    };

    public static bool Is(string? apiVersion, string? kind) => apiVersion == ApiGroupVersion && kind == ClusterKind;

    private static readonly IDeserializer Yaml = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build();

    public static CnpgCluster Load(string yaml)
    {
        var document = Yaml.Deserialize<Document>(yaml);
        return new CnpgCluster
        {
            ApiVersion = document.ApiVersion,
            Kind = document.Kind,
            Metadata = new V1ObjectMeta { Name = document.Metadata.Name, Labels = document.Metadata.Labels },
            Spec = document.Spec,
        };
    }

    private sealed class Document
    {
        public string ApiVersion { get; set; } = "";
        public string Kind { get; set; } = "";
        public Meta Metadata { get; set; } = new();
        public ClusterSpec Spec { get; set; } = new();
    }

    private sealed class Meta
    {
        public string Name { get; set; } = "";
        public Dictionary<string, string>? Labels { get; set; }
    }

    public sealed class ClusterSpec
    {
        public int Instances { get; set; }
        public string? PrimaryUpdateStrategy { get; set; }
        public PostgresSettings Postgresql { get; set; } = new();
        public BootstrapSpec Bootstrap { get; set; } = new();
        public StorageSpec Storage { get; set; } = new();
        public ResourceSpec Resources { get; set; } = new();
        public AffinitySpec? Affinity { get; set; }
    }

    public sealed class PostgresSettings
    {
        public SynchronousSpec? Synchronous { get; set; }
        public Dictionary<string, string> Parameters { get; set; } = [];
    }

    // method any|first, number: how many standbys must have a commit before it is acknowledged; dataDurability
    // required (the default): writes wait rather than go on with fewer; preferred: they go on unreplicated.
    public sealed class SynchronousSpec
    {
        public string Method { get; set; } = "";
        public int Number { get; set; }
        public string? DataDurability { get; set; }
    }

    public sealed class BootstrapSpec
    {
        public InitDbSpec Initdb { get; set; } = new();
    }

    public sealed class InitDbSpec
    {
        public string Database { get; set; } = "app";
        public string Owner { get; set; } = "app";
    }

    public sealed class StorageSpec
    {
        public string Size { get; set; } = "";
    }

    public sealed class ResourceSpec
    {
        public Dictionary<string, string> Requests { get; set; } = [];
        public Dictionary<string, string> Limits { get; set; } = [];
    }

    public sealed class AffinitySpec
    {
        public bool EnablePodAntiAffinity { get; set; }
        public string? TopologyKey { get; set; }
        public string? PodAntiAffinityType { get; set; }
    }
}
