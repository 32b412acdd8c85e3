using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Contracts;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Cluster;

// One node as a digest scan saw it: its digest (read, or computed from a listing for a node that keeps none or whose
// digest is stale), or why not. Stale: the node's own words for why its digest was not used (null if it was, or it
// keeps none).
public sealed record NodeDigestView(
    ClusterNode Node, NodeDigest? Digest, NodeCall? Failure, IReadOnlyDictionary<int, List<string>>? Listed, string? Stale = null)
{
    public bool Reachable => Digest is not null;
}

public sealed record DigestScan(IReadOnlyList<NodeDigestView> Nodes)
{
    public IEnumerable<NodeDigestView> Reachable => Nodes.Where(n => n.Reachable);

    public IReadOnlyList<string> Unreachable => [.. Nodes.Where(n => !n.Reachable).Select(n => n.Node.Name)];

    // Nodes whose digest did not cover their data (409 from our nodes: a restore, a migration, a rebuild under way),
    // with their reason: listed in full instead.
    public IReadOnlyDictionary<string, string> Stale =>
        Nodes.Where(n => n.Stale is not null).ToDictionary(n => n.Node.Name, n => n.Stale!);

    // The buckets whose count or hash is not the same on every reachable node: the only ones worth listing.
    public IReadOnlyList<int> DifferingBuckets()
    {
        var digests = Reachable.Select(n => n.Digest!).ToList();
        return digests.Count < 2
            ? []
            : [.. Enumerable.Range(0, GroupBuckets.Count).Where(b => digests.Skip(1).Any(d => !d.SameBucket(digests[0], b)))];
    }
}

// Anti-entropy reads: every node's digest (O(buckets), whatever the number of groups) and the ids of one bucket.
// A node without digests (the seed's) is listed instead, by pages if it pages, else whole with a size-aware timeout,
// and its digest is computed here (GroupBuckets.Compute): correct, but O(its groups) in time and in this process's
// memory, which is why our nodes keep digests. So is a node whose digest does not cover its data (it answers 409,
// docs/ARCHITECTURE.md, "Node HTTP contract"): a report never calls data consistent that it did not see.
public sealed class ClusterDigests(ClusterMembership membership, INodeClient nodes, IOptions<ClusterOptions> options)
{
    public const int MaxListTimeoutFactor = 20;
    private const int PageSize = 5_000;

    private ResilienceSettings Settings => options.Value.Resilience;

    // The nodes operations write (active and joining: a joining node is compared, and repaired, like the others; a
    // drained one is left out).
    public async Task<DigestScan> ScanAsync(CancellationToken ct) =>
        await ScanAsync(membership.Nodes((await membership.ViewAsync(ct)).Writes), ct);

    public async Task<DigestScan> ScanAsync(IReadOnlyList<ClusterNode> of, CancellationToken ct) =>
        new(await Task.WhenAll(of.Select(node => ReadAsync(node, ct))));

    private async Task<NodeDigestView> ReadAsync(ClusterNode node, CancellationToken ct)
    {
        var (digest, call) = await nodes.DigestAsync(node, Settings.ListTimeout, ct);
        if (digest is not null)
        {
            node.LastKnownCount = digest.Total;
            return new NodeDigestView(node, digest, null, null);
        }

        // An answer that is not a digest, from a node that answers otherwise (the seed's Flask node: 404; others 400,
        // 405, 501): it keeps none. 409: it keeps one that does not cover its data now. No answer at all: unreachable.
        if (call.Status is not (400 or 404 or 405 or 409 or 501))
        {
            return new NodeDigestView(node, null, call, null);
        }

        var stale = call.Status == 409 ? call.Detail ?? "digest stale" : null;

        var (ids, failure) = await ListAllAsync(node, ct);
        if (ids is null)
        {
            return new NodeDigestView(node, null, failure, null, stale);
        }

        node.LastKnownCount = ids.Count;
        var byBucket = new Dictionary<int, List<string>>();
        foreach (var id in ids)
        {
            var bucket = GroupBuckets.Of(id);
            (byBucket.TryGetValue(bucket, out var list) ? list : byBucket[bucket] = []).Add(id);
        }

        return new NodeDigestView(node, GroupBuckets.Compute(node.Name, ids), null, byBucket, stale);
    }

    // Pages while the node gives a next cursor (HSCAN may repeat an id: kept once); a node that ignores the paging
    // parameters answers everything as one page. If paging is refused, the seed's unpaged GET /v1/groups.
    private async Task<(HashSet<string>? Ids, NodeCall Failure)> ListAllAsync(ClusterNode node, CancellationToken ct)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var cursor = "0";
        while (true)
        {
            var (page, call) = await nodes.PageAsync(node, cursor, PageSize, WholeListTimeout(node), ct);
            if (page is null)
            {
                if (call.Status is not (400 or 404))
                {
                    return (null, call);
                }

                var (all, listCall) = await nodes.ListAsync(node, WholeListTimeout(node), ct);
                return all is null ? (null, listCall) : ([.. all.Groups.Select(g => g.GroupId)], listCall);
            }

            ids.UnionWith(page.Groups.Select(g => g.GroupId));
            if (page.Next is null)
            {
                return (ids, call);
            }

            cursor = page.Next;
        }
    }

    // ListTimeout, plus ListTimeoutPer100k for every 100 000 groups the node held last time, at most 20 x ListTimeout.
    public TimeSpan WholeListTimeout(ClusterNode node)
    {
        var timeout = Settings.ListTimeout + Settings.ListTimeoutPer100k * (node.LastKnownCount / 100_000.0);
        var max = Settings.ListTimeout * MaxListTimeoutFactor;
        return timeout < max ? timeout : max;
    }

    // The ids of one bucket on each reachable node of the scan; null for a node that did not answer now.
    public async Task<IReadOnlyList<(ClusterNode Node, IReadOnlyList<string>? Ids)>> BucketAsync(
        DigestScan scan, int bucket, CancellationToken ct) =>
        await Task.WhenAll(scan.Reachable.Select(async view =>
        {
            if (view.Listed is { } listed)
            {
                return (view.Node, listed.TryGetValue(bucket, out var ids) ? ids : (IReadOnlyList<string>)[]);
            }

            var (answer, _) = await nodes.BucketAsync(view.Node, bucket, Settings.ListTimeout, ct);
            return (view.Node, answer?.GroupIds);
        }));
}
