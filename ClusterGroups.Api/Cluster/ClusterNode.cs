namespace ClusterGroups.Api.Cluster;

// One node the Api fans out to. Name is the service name (node1) or, for an absolute URL, its authority.
public sealed class ClusterNode(string name, Uri baseAddress)
{
    private volatile bool _honoursIdempotency;

    public string Name { get; } = name;
    public Uri BaseAddress { get; } = baseAddress;

    // Learned from the node's answers (X-Idempotency-Supported); until then the node is treated as one that ignores
    // Idempotency-Key, so its state is read before a write.
    public bool HonoursIdempotency
    {
        get => _honoursIdempotency;
        set => _honoursIdempotency = value;
    }

    public override string ToString() => Name;

    public static ClusterNode Parse(string entry)
    {
        if (Uri.TryCreate(entry, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            return new ClusterNode(url.Authority, url);
        }

        // A service name: "node1" -> http://node1, resolved by Microsoft.Extensions.ServiceDiscovery.
        return new ClusterNode(entry, new Uri($"http://{entry}"));
    }

    public static bool IsValidEntry(string? entry) =>
        !string.IsNullOrWhiteSpace(entry)
        && (Uri.TryCreate(entry, UriKind.Absolute, out var url) ? url.Scheme is "http" or "https"
            : Uri.CheckHostName(entry) == UriHostNameType.Dns);
}

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
