namespace ClusterGroups.UnitTests.FanOut;

// The primary handler of the Api's node client: every node call lands here and goes to the fake node named by the
// request's host. What sits above it (attempt timeout, retry of GETs, circuit breaker) is the product's own pipeline.
public sealed class FakeCluster : HttpMessageHandler
{
    private readonly Dictionary<string, FakeNode> _byHost;

    public FakeCluster(IEnumerable<FakeNode> nodes)
    {
        Nodes = [.. nodes];
        _byHost = Nodes.ToDictionary(n => n.Name, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<FakeNode> Nodes { get; }

    public FakeNode this[int index] => Nodes[index];

    // The group's presence on every node, in node order.
    public bool[] Presence(string groupId) => [.. Nodes.Select(n => n.Has(groupId))];

    public void ClearScripts()
    {
        foreach (var node in Nodes)
        {
            node.ClearScript();
            node.ComeUp();
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _byHost.TryGetValue(request.RequestUri!.Host, out var node)
            ? node.HandleAsync(request, cancellationToken)
            : throw new HttpRequestException(HttpRequestError.NameResolutionError, $"no fake node {request.RequestUri.Host}");

    // The handler factory disposes expired handler chains; the cluster outlives them.
    protected override void Dispose(bool disposing)
    {
    }
}
