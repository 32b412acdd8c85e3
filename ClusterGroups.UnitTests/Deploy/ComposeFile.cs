using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ClusterGroups.UnitTests.Deploy;

// deploy/compose.yaml, as far as the checks read it. Strict like the kustomization model: a key this model does not
// know fails the tests (add it here when the file needs it). Anchors and merge keys (<<: *store) are resolved.
public sealed class ComposeFile
{
    public string? Name { get; set; }

    // Extension fields that only exist to be merged into services.
    [YamlMember(Alias = "x-store", ApplyNamingConventions = false)] public ComposeService? StoreTemplate { get; set; }
    [YamlMember(Alias = "x-node", ApplyNamingConventions = false)] public ComposeService? NodeTemplate { get; set; }

    public Dictionary<string, ComposeService> Services { get; set; } = [];
    public Dictionary<string, object?> Volumes { get; set; } = [];

    public static ComposeFile Load(string path)
    {
        var yaml = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .Build();
        using var reader = new StringReader(File.ReadAllText(path));
        return yaml.Deserialize<ComposeFile>(new MergingParser(new Parser(reader)));
    }
}

public sealed class ComposeService
{
    public string Image { get; set; } = "";
    public List<string> Command { get; set; } = [];
    public Dictionary<string, string> Environment { get; set; } = [];
    public List<string> Volumes { get; set; } = [];
    public List<string> Ports { get; set; } = [];
    public Dictionary<string, Dependency> DependsOn { get; set; } = [];
    public ComposeDeploy? Deploy { get; set; }
    public ComposeHealthcheck? Healthcheck { get; set; }
    public string? Restart { get; set; }

    public sealed class Dependency
    {
        public string Condition { get; set; } = "service_started";
    }

    public sealed class ComposeDeploy
    {
        public int Replicas { get; set; } = 1;
    }

    public sealed class ComposeHealthcheck
    {
        public List<string> Test { get; set; } = [];
        public string? Interval { get; set; }
        public string? Timeout { get; set; }
        public int Retries { get; set; }
    }

    // "--appendfsync always" -> "always"
    public string? Arg(string name)
    {
        var i = Command.IndexOf(name);
        return i >= 0 && i + 1 < Command.Count ? Command[i + 1] : null;
    }
}
