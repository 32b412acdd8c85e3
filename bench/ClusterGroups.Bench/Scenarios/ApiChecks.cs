using ClusterGroups.Bench.Output;
using ClusterGroups.Client;

namespace ClusterGroups.Bench.Scenarios;

// Read-only questions to the Api after the fault phases: are operations still open (pending repair being finished
// by recovery), and is every group on every node once they close?
public static class ApiChecks
{
    public static async Task<AfterFaults> AfterFaultsAsync(ClusterGroupsClient api, TimeSpan wait, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + wait;
        var open = await OpenOperationsAsync(api, ct);
        while (open > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            open = await OpenOperationsAsync(api, ct);
        }

        var consistency = await api.GetConsistencyAsync(ct);
        return new AfterFaults(open, consistency.Summary ?? (consistency.Consistent ? "consistent" : $"{consistency.Divergent.Count} divergent group(s)"));
    }

    private static async Task<int> OpenOperationsAsync(ClusterGroupsClient api, CancellationToken ct) =>
        (await api.ListOperationsAsync(new OperationQuery { OpenOnly = true, Limit = 1000 }, ct)).Operations.Count;
}
