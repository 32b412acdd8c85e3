using k8s.Models;

namespace ClusterGroups.UnitTests.Deploy;

// A Deployment or a StatefulSet, seen as what the checks care about: its pods.
public sealed record Workload(string Kind, string Name, int Replicas, V1PodTemplateSpec Template, IList<V1PersistentVolumeClaim> Claims)
{
    public IDictionary<string, string> PodLabels => Template.Metadata?.Labels ?? new Dictionary<string, string>();
    public V1PodSpec Pod => Template.Spec;
    public IEnumerable<V1Container> Containers => Pod.Containers.Concat(Pod.InitContainers ?? []);

    public static IEnumerable<Workload> All(KustomizeOutput output) =>
        output.OfKind<V1Deployment>()
            .Select(d => new Workload("Deployment", d.Metadata.Name, d.Spec.Replicas ?? 1, d.Spec.Template, []))
            .Concat(output.OfKind<V1StatefulSet>()
                .Select(s => new Workload("StatefulSet", s.Metadata.Name, s.Spec.Replicas ?? 1, s.Spec.Template,
                    s.Spec.VolumeClaimTemplates ?? [])));

    // The workload whose pods run one of our images (by its name before any overlay renamed it).
    public static Workload Running(KustomizeOutput output, string image) =>
        All(output).Single(w => w.Containers.Any(c => output.ImageOrigin(c.Image) == image));

    public V1Container Container(KustomizeOutput output, string image) =>
        Containers.Single(c => output.ImageOrigin(c.Image) == image);

    public bool Selects(IDictionary<string, string>? selector) =>
        selector is { Count: > 0 } && selector.All(kv => PodLabels.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

// One environment variable as a pod gets it: a value, or where it comes from.
public sealed record EnvSetting(string Name, string? Value, V1SecretKeySelector? Secret, V1ConfigMapKeySelector? ConfigMap, string? FieldPath);

public static class ContainerEnvironment
{
    // env and envFrom together; envFrom ConfigMaps are read so their values can be checked too.
    public static IReadOnlyList<EnvSetting> Of(V1Container container, KustomizeOutput output)
    {
        var settings = new List<EnvSetting>();
        foreach (var from in container.EnvFrom ?? [])
        {
            if (from.ConfigMapRef is { } mapRef && output.Find<V1ConfigMap>(mapRef.Name) is { } map)
            {
                settings.AddRange((map.Data ?? new Dictionary<string, string>()).Select(kv =>
                    new EnvSetting((from.Prefix ?? "") + kv.Key, kv.Value, null, null, null)));
            }
            else if (from.SecretRef is { } secretRef && output.Find<V1Secret>(secretRef.Name) is { } secret)
            {
                settings.AddRange(SecretKeys(secret).Select(key =>
                    new EnvSetting((from.Prefix ?? "") + key, null, new V1SecretKeySelector { Key = key, Name = secretRef.Name }, null, null)));
            }
        }

        settings.AddRange((container.Env ?? []).Select(e => new EnvSetting(e.Name, e.Value,
            e.ValueFrom?.SecretKeyRef, e.ValueFrom?.ConfigMapKeyRef, e.ValueFrom?.FieldRef?.FieldPath)));
        return settings;
    }

    public static IEnumerable<string> SecretKeys(V1Secret secret) =>
        (secret.Data?.Keys ?? []).Concat(secret.StringData?.Keys ?? []);

    public static string? Value(this IReadOnlyList<EnvSetting> env, string name) => env.LastOrDefault(e => e.Name == name)?.Value;
}
