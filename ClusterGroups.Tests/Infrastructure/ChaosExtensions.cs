namespace ClusterGroups.Tests.Infrastructure;

// Node fault injection through each node's admin endpoint, as an operator would use it.
public static class ChaosExtensions
{
    public static async Task SetChaosAsync(this ClusterFixture cluster, string node, object settings)
    {
        var response = await cluster.Node(node).PutAsJsonAsync("/admin/chaos", settings).WaitAsync(Wait.Request);
        Assert.True(response.IsSuccessStatusCode, $"PUT /admin/chaos on {node}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task FailNextAsync(this ClusterFixture cluster, string node, string kind, string method, int count)
    {
        var response = await cluster.Node(node).PostAsJsonAsync("/admin/chaos/fail-next", new { kind, method, count }).WaitAsync(Wait.Request);
        Assert.True(response.IsSuccessStatusCode, $"fail-next on {node}: {(int)response.StatusCode}");
    }

    // One node back to no faults (its queued "fail next" faults dropped too); the others keep theirs.
    public static async Task MakeStableAsync(this ClusterFixture cluster, string node)
    {
        var response = await cluster.Node(node).PostAsync("/admin/chaos/stable", null).WaitAsync(Wait.Request);
        Assert.True(response.IsSuccessStatusCode, $"stable on {node}: {(int)response.StatusCode}");
    }

    public static async Task MakeStableAsync(this ClusterFixture cluster)
    {
        foreach (var node in cluster.NodeNames)
        {
            var response = await cluster.Node(node).PostAsync("/admin/chaos/stable", null).WaitAsync(Wait.Request);
            Assert.True(response.IsSuccessStatusCode, $"stable on {node}: {(int)response.StatusCode}");
        }

        // The next test starts only once the Api reaches every node again.
        var api = cluster.Client();
        await Wait.UntilAsync(async () => (await api.GetClusterAsync()).ReachableCount == cluster.NodeCount,
            Wait.Resource, "the Api reaches every node");
    }

    public static async Task<bool> IsPresentAsync(this ClusterFixture cluster, string node, string groupId)
    {
        var response = await cluster.Node(node).GetAsync($"/v1/group/{groupId}/").WaitAsync(Wait.Request);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"GET on {node}: {(int)response.StatusCode}");
        return response.StatusCode == HttpStatusCode.OK;
    }

    // The ids of the journal's operations on the group (GET /v1/operations?groupId=), newest first.
    public static async Task<string[]> OperationsOnAsync(this ClusterFixture cluster, string groupId)
    {
        var list = await (await cluster.Api().GetAsync($"/v1/operations?groupId={groupId}").WaitAsync(Wait.Request)).JsonAsync();
        return [.. list["operations"]!.AsArray().Select(o => o!["operationId"]!.GetValue<string>())];
    }

    public static async Task<string[]> WhereAsync(this ClusterFixture cluster, string groupId)
    {
        var where = new List<string>();
        foreach (var node in cluster.NodeNames)
        {
            if (await cluster.IsPresentAsync(node, groupId))
            {
                where.Add(node);
            }
        }

        return [.. where];
    }

    // Every node's groups, as one comparable string: "nothing changed" is this, equal before and after.
    public static async Task<string> SnapshotAsync(this ClusterFixture cluster)
    {
        var parts = new List<string>();
        foreach (var node in cluster.NodeNames)
        {
            parts.Add(string.Join(",", (await cluster.Node(node).GroupIdsAsync()).Order(StringComparer.Ordinal)));
        }

        return string.Join("|", parts);
    }
}
