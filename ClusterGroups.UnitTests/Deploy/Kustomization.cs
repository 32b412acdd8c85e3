using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ClusterGroups.UnitTests.Deploy;

// kustomization.yaml as written in deploy/k8s. Deserialized strictly: a field this model does not know fails the
// tests, so nobody adds a kustomize feature that the checks below would silently not see.
public sealed class Kustomization
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Namespace { get; set; }
    public List<string> Resources { get; set; } = [];
    public List<LabelSet> Labels { get; set; } = [];
    public List<Generator> ConfigMapGenerator { get; set; } = [];
    public List<Generator> SecretGenerator { get; set; } = [];
    public List<ImageOverride> Images { get; set; } = [];
    public List<ReplicaCount> Replicas { get; set; } = [];
    public List<PatchEntry> Patches { get; set; } = [];

    public sealed class LabelSet
    {
        public Dictionary<string, string> Pairs { get; set; } = [];
        public bool IncludeSelectors { get; set; }
    }

    public sealed class Generator
    {
        public string Name { get; set; } = "";
        public string Behavior { get; set; } = "create";
        public List<string> Literals { get; set; } = [];
        public List<string> Envs { get; set; } = [];
    }

    public sealed class ImageOverride
    {
        public string Name { get; set; } = "";
        public string? NewName { get; set; }
        public string? NewTag { get; set; }
    }

    public sealed class ReplicaCount
    {
        public string Name { get; set; } = "";
        public int Count { get; set; }
    }

    public sealed class PatchEntry
    {
        public PatchTarget Target { get; set; } = new();
        public string Patch { get; set; } = "";
    }

    public sealed class PatchTarget
    {
        public string Kind { get; set; } = "";
        public string Name { get; set; } = "";
    }

    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    public static Kustomization Load(string directory) =>
        Yaml.Deserialize<Kustomization>(File.ReadAllText(Path.Combine(directory, "kustomization.yaml")));

}

// What `kubectl kustomize DIR` would produce, as far as the checks need it: the resources (typed, read strictly by
// KubernetesClient), generated ConfigMaps and Secrets (create / merge / replace), replica counts and image overrides.
public sealed partial class KustomizeOutput
{
    public required string Directory { get; init; }
    public required List<IKubernetesObject<V1ObjectMeta>> Objects { get; init; }

    // Problems found while building (a missing file, an override or patch that hits nothing).
    public required List<string> Problems { get; init; }

    // Image repositories as renamed by `images:` overrides -> the name in the base (clustergroups-api, ...).
    public Dictionary<string, string> ImageOrigins { get; } = new(StringComparer.Ordinal);

    public string ImageOrigin(string image) =>
        ImageOrigins.GetValueOrDefault(DeployFiles.Repository(image), DeployFiles.Repository(image));

    public IEnumerable<T> OfKind<T>() where T : IKubernetesObject<V1ObjectMeta> => Objects.OfType<T>();

    public T? Find<T>(string name) where T : class, IKubernetesObject<V1ObjectMeta> =>
        OfKind<T>().SingleOrDefault(o => o.Metadata.Name == name);

    public static KustomizeOutput Build(string relativeDirectory)
    {
        var output = new KustomizeOutput
        {
            Directory = relativeDirectory,
            Objects = [],
            Problems = [],
        };
        output.Add(Path.Combine(DeployFiles.K8s, relativeDirectory));
        // What an operator makes at run time and pods refer to: CloudNativePG's Secret with the owner's credentials.
        foreach (var cluster in output.OfKind<CnpgCluster>().ToList())
        {
            output.Objects.Add(cluster.GeneratedAppSecret());
        }

        return output;
    }

    // Every document strictly: KubernetesClient's types, or the model of a custom resource we use (CnpgCluster).
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> LoadFile(string path)
    {
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        foreach (var document in DocumentSeparator().Split(File.ReadAllText(path)).Where(d => d.Split('\n').Any(l => l.Trim() is { Length: > 0 } t && !t.StartsWith('#'))))
        {
            var head = JsonPatch.FromYaml(document);
            if (CnpgCluster.Is((string?)head?["apiVersion"], (string?)head?["kind"]))
            {
                objects.Add(CnpgCluster.Load(document));
                continue;
            }

            objects.AddRange(KubernetesYaml.LoadAllFromString(document, strict: true)
                .Select(o => o as IKubernetesObject<V1ObjectMeta>
                             ?? throw new InvalidOperationException($"{path}: {o?.GetType().Name ?? "null"} is not a Kubernetes object.")));
        }

        return objects;
    }

    [GeneratedRegex(@"^---[ \t]*\r?$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex DocumentSeparator();

    private void Add(string directory)
    {
        var kustomization = Kustomization.Load(directory);
        var here = Path.GetRelativePath(DeployFiles.K8s, directory);
        foreach (var resource in kustomization.Resources)
        {
            var path = Path.GetFullPath(Path.Combine(directory, resource));
            if (System.IO.Directory.Exists(path) && File.Exists(Path.Combine(path, "kustomization.yaml")))
            {
                Add(path);
            }
            else if (File.Exists(path))
            {
                Objects.AddRange(LoadFile(path));
            }
            else
            {
                Problems.Add($"{here}: resource '{resource}' does not exist.");
            }
        }

        foreach (var generator in kustomization.ConfigMapGenerator)
        {
            Generate(here, generator, GeneratorEntries(directory, generator),
                data => new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = generator.Name }, Data = data },
                map => map.Data ??= new Dictionary<string, string>());
        }

        foreach (var generator in kustomization.SecretGenerator)
        {
            Generate(here, generator, GeneratorEntries(directory, generator),
                data => new V1Secret { ApiVersion = "v1", Kind = "Secret", Metadata = new V1ObjectMeta { Name = generator.Name }, StringData = data },
                secret => secret.StringData ??= new Dictionary<string, string>());
        }

        foreach (var replicas in kustomization.Replicas)
        {
            var deployment = Find<V1Deployment>(replicas.Name);
            var statefulSet = Find<V1StatefulSet>(replicas.Name);
            if (deployment is not null)
            {
                deployment.Spec.Replicas = replicas.Count;
            }
            else if (statefulSet is not null)
            {
                statefulSet.Spec.Replicas = replicas.Count;
            }
            else
            {
                Problems.Add($"{here}: replicas for '{replicas.Name}', which is no Deployment or StatefulSet.");
            }
        }

        foreach (var image in kustomization.Images)
        {
            var containers = Workload.All(this).SelectMany(w => w.Containers)
                .Where(c => ImageOrigin(c.Image) == image.Name).ToList();
            if (containers.Count == 0)
            {
                Problems.Add($"{here}: image override '{image.Name}' matches no container.");
            }

            foreach (var container in containers)
            {
                var repository = DeployFiles.Repository(container.Image);
                var tag = image.NewTag ?? (container.Image.Length > repository.Length ? container.Image[(repository.Length + 1)..] : null);
                container.Image = (image.NewName ?? image.Name) + (tag is null ? "" : $":{tag}");
            }

            if (image.NewName is not null)
            {
                ImageOrigins[image.NewName] = image.Name;
            }
        }

        foreach (var patch in kustomization.Patches)
        {
            var targets = Objects.Where(o => o.Kind == patch.Target.Kind && o.Metadata.Name == patch.Target.Name).ToList();
            if (targets.Count == 0)
            {
                Problems.Add($"{here}: patch target {patch.Target.Kind}/{patch.Target.Name} does not exist.");
            }

            foreach (var target in targets)
            {
                Patch(here, patch, target);
            }
        }

        foreach (var labels in kustomization.Labels)
        {
            foreach (var o in Objects)
            {
                o.Metadata.Labels ??= new Dictionary<string, string>();
                foreach (var (key, value) in labels.Pairs)
                {
                    o.Metadata.Labels[key] = value;
                }
            }
        }
    }

    // An RFC 6902 list of ops, applied to the object as JSON; or a strategic merge patch that deletes it
    // ($patch: delete). Other strategic merges are not modelled: they are reported rather than skipped.
    private void Patch(string here, Kustomization.PatchEntry patch, IKubernetesObject<V1ObjectMeta> target)
    {
        var where = $"{here}: patch of {patch.Target.Kind}/{patch.Target.Name}";
        switch (JsonPatch.FromYaml(patch.Patch))
        {
            case System.Text.Json.Nodes.JsonObject merge when (string?)merge["$patch"] == "delete":
                Objects.Remove(target);
                break;
            case System.Text.Json.Nodes.JsonArray ops when target is not CnpgCluster:
                var json = System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(target))!;
                var problems = JsonPatch.Apply(json, ops).Select(p => $"{where}: {p}").ToList();
                Problems.AddRange(problems);
                if (problems.Count == 0)
                {
                    Objects[Objects.IndexOf(target)] = (IKubernetesObject<V1ObjectMeta>)typeof(KustomizeOutput)
                        .GetMethod(nameof(Reparse), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                        .MakeGenericMethod(target.GetType()).Invoke(null, [json.ToJsonString()])!;
                }

                break;
            default:
                Problems.Add($"{where}: only RFC 6902 ops (on KubernetesClient types) and $patch: delete are applied here; teach KustomizeOutput the rest.");
                break;
        }
    }

    private static T Reparse<T>(string json) => KubernetesJson.Deserialize<T>(json);

    private void Generate<T>(string here, Kustomization.Generator generator, Dictionary<string, string> entries,
        Func<Dictionary<string, string>, T> create, Func<T, IDictionary<string, string>> dataOf)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var existing = Find<T>(generator.Name);
        switch (generator.Behavior)
        {
            case "create" when existing is null:
                Objects.Add(create(entries));
                break;
            case "merge" when existing is not null:
                var data = dataOf(existing);
                foreach (var (key, value) in entries)
                {
                    data[key] = value;
                }

                break;
            case "replace" when existing is not null:
                Objects.Remove(existing);
                Objects.Add(create(entries));
                break;
            default:
                Problems.Add($"{here}: {typeof(T).Name} generator '{generator.Name}' with behavior '{generator.Behavior}' "
                             + (existing is null ? "has nothing to merge into or replace." : "would create it twice."));
                break;
        }
    }

    private Dictionary<string, string> GeneratorEntries(string directory, Kustomization.Generator generator)
    {
        var lines = generator.Literals.ToList();
        foreach (var env in generator.Envs)
        {
            var path = Path.Combine(directory, env);
            // A file with real keys is the user's (git-ignored); its committed .example names the same keys.
            if (!File.Exists(path) && File.Exists(path + ".example") && IsGitIgnored(directory, env))
            {
                path += ".example";
            }

            if (!File.Exists(path))
            {
                Problems.Add($"{Path.GetRelativePath(DeployFiles.K8s, directory)}: generator '{generator.Name}' reads '{env}', which does not exist.");
                continue;
            }

            lines.AddRange(File.ReadAllLines(path).Where(l => l.Trim() is { Length: > 0 } t && !t.StartsWith('#')));
        }

        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                Problems.Add($"generator '{generator.Name}': '{line}' is not key=value.");
                continue;
            }

            entries[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        return entries;
    }

    private static bool IsGitIgnored(string directory, string file) =>
        File.Exists(Path.Combine(directory, ".gitignore"))
        && File.ReadAllLines(Path.Combine(directory, ".gitignore")).Any(l => l.Trim() == file);
}
