using ClusterGroups.Api.Nodes;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Cluster;

public sealed record NodeStatus(
    string Name, string Address, bool Reachable, double LatencyMs, int? GroupCount, bool HonoursIdempotency, string? Error);

public sealed record ClusterView(int NodeCount, int ReachableCount, IReadOnlyList<NodeStatus> Nodes);

public sealed record GroupView(
    string GroupId, bool Consistent, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn, IReadOnlyList<string> Unreachable);

public sealed record GroupEntry(string GroupId, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn);

public sealed record GroupListView(bool Consistent, IReadOnlyList<GroupEntry> Groups, IReadOnlyList<string> Unreachable);

public sealed record NodeScan(ClusterNode Node, NodeGroupList? Groups, NodeCall Call)
{
    public bool Reachable => Groups is not null;
}

// Reads (never writes) every node in parallel: the views behind GET /v1/groups, /v1/group/{id}, /v1/cluster.
public sealed class ClusterScan(ClusterDirectory cluster, NodeClient nodes)
{
    public async Task<IReadOnlyList<NodeScan>> ScanAsync(CancellationToken ct) =>
        await Task.WhenAll(cluster.Nodes.Select(async node =>
        {
            var (groups, call) = await nodes.ListAsync(node, ct);
            return new NodeScan(node, groups, call);
        }));

    public async Task<ClusterView> StatusAsync(CancellationToken ct)
    {
        var scans = await ScanAsync(ct);
        var statuses = scans.Select(s => new NodeStatus(
            s.Node.Name, s.Node.BaseAddress.ToString(), s.Reachable, Math.Round(s.Call.DurationMs, 2),
            s.Groups?.Groups.Count, s.Node.HonoursIdempotency, s.Reachable ? null : s.Call.ToString())).ToList();
        return new ClusterView(statuses.Count, statuses.Count(s => s.Reachable), statuses);
    }

    public async Task<GroupListView> ListGroupsAsync(CancellationToken ct)
    {
        var scans = await ScanAsync(ct);
        var reachable = scans.Where(s => s.Reachable).ToList();
        var groups = reachable
            .SelectMany(s => s.Groups!.Groups.Select(g => (g.GroupId, Node: s.Node.Name)))
            .GroupBy(x => x.GroupId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var present = g.Select(x => x.Node).Distinct().ToList();
                return new GroupEntry(g.Key, present, [.. reachable.Select(s => s.Node.Name).Except(present)]);
            })
            .ToList();
        var unreachable = scans.Where(s => !s.Reachable).Select(s => s.Node.Name).ToList();
        return new GroupListView(unreachable.Count == 0 && groups.All(g => g.MissingOn.Count == 0), groups, unreachable);
    }

    public async Task<GroupView> ReadGroupAsync(string groupId, CancellationToken ct)
    {
        var reads = await Task.WhenAll(cluster.Nodes.Select(async node => (node, call: await nodes.ReadAsync(node, groupId, ct))));
        var present = reads.Where(r => r.call.Present == true).Select(r => r.node.Name).ToList();
        var missing = reads.Where(r => r.call.Present == false).Select(r => r.node.Name).ToList();
        var unreachable = reads.Where(r => r.call.Present is null).Select(r => r.node.Name).ToList();
        return new GroupView(groupId, unreachable.Count == 0 && (present.Count == 0 || missing.Count == 0), present, missing, unreachable);
    }
}
