using ClusterGroups.Api.Journal;

namespace ClusterGroups.Api.Cluster;

public sealed record LastOperation(string OperationId, OperationKind Kind, Outcome Outcome, DateTimeOffset? EndedAt);

public sealed record DivergentGroup(
    string GroupId, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn, LastOperation? LastOperation);

public sealed record ConsistencyReport(
    bool Consistent, DateTimeOffset CheckedAt, IReadOnlyList<string> Nodes, IReadOnlyList<string> Unreachable,
    IReadOnlyList<DivergentGroup> Divergent)
{
    public string Summary => Consistent
        ? $"consistent: every group is on all {Nodes.Count} nodes"
        : $"{Divergent.Count} divergent group(s){(Unreachable.Count > 0 ? $", unreachable: {string.Join(", ", Unreachable)}" : "")}";
}

// Reads every node and lists each group that is not on all of them, with the last operation the journal knows on it.
public sealed class ConsistencyCheck(ClusterScan scan, ClusterDirectory cluster, IOperationJournal journal, TimeProvider time)
{
    public async Task<ConsistencyReport> RunAsync(CancellationToken ct)
    {
        var view = await scan.ListGroupsAsync(ct);
        var divergent = new List<DivergentGroup>();
        foreach (var group in view.Groups.Where(g => g.MissingOn.Count > 0))
        {
            var last = await journal.LastForGroupAsync(group.GroupId, ct);
            divergent.Add(new DivergentGroup(group.GroupId, group.PresentOn, group.MissingOn,
                last is null ? null : new LastOperation(last.Id, last.Kind, last.Outcome, last.EndedAt)));
        }

        return new ConsistencyReport(
            divergent.Count == 0 && view.Unreachable.Count == 0, time.GetUtcNow(),
            [.. cluster.Nodes.Select(n => n.Name)], view.Unreachable, divergent);
    }
}
