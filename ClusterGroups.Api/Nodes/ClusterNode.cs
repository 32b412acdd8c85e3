namespace ClusterGroups.Api.Nodes;

// One node the Api fans out to. Name is the service name (node1) or, for an absolute URL, its authority.
public sealed class ClusterNode(string name, Uri baseAddress)
{
    private volatile string? _dialect;

    public string Name { get; } = name;
    public Uri BaseAddress { get; } = baseAddress;

    // How the protocol speaks to it ("keyed" or "seed"): configured, or learned once by a probe (NodeDialects);
    // null until then.
    public string? Dialect
    {
        get => _dialect;
        set => _dialect = value;
    }

    // How many groups the node held when last counted (digest or listing): sizes the timeout of a whole-list read.
    public long LastKnownCount
    {
        get => Interlocked.Read(ref _lastKnownCount);
        set => Interlocked.Exchange(ref _lastKnownCount, value);
    }

    private long _lastKnownCount;

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
