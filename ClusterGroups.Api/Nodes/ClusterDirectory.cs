namespace ClusterGroups.Api.Nodes;

// The configured nodes (Cluster:Nodes), by name.
public sealed class ClusterDirectory
{
    private readonly Dictionary<string, ClusterNode> _byName;

    public ClusterDirectory(Microsoft.Extensions.Options.IOptions<ClusterOptions> options)
    {
        Nodes = [.. options.Value.Nodes.Select(ClusterNode.Parse)];
        _byName = Nodes.ToDictionary(n => n.Name, StringComparer.OrdinalIgnoreCase);
    }

    // In Cluster:Nodes order.
    public IReadOnlyList<ClusterNode> Nodes { get; }

    // Operations know their nodes by name; null when the node is no longer configured.
    public ClusterNode? Find(string name) => _byName.GetValueOrDefault(name);
}
