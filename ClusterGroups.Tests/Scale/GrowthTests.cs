using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Scale;

[Collection(GrowthCollection.Name)]
public sealed class GrowthTests(GrowthClusterFixture cluster)
{
    [Fact]
    public async Task A_node_added_to_Cluster_Nodes_is_filled_by_reconcile()
    {
        var ids = await CreateAsync("add", 20);
        await cluster.Node("node4").DeleteAsync("/v1/groups/").WaitAsync(Wait.Request);

        await cluster.AddNode4Async();
        var api = cluster.Api();
        var consistency = await (await api.GetAsync("/v1/cluster/consistency").WaitAsync(Wait.Request)).JsonAsync();
        var onlyOnNode4 = consistency["divergent"]!.AsArray()
            .Where(g => g!["missingOn"]!.AsArray().Select(n => n!.GetValue<string>()).SequenceEqual(["node4"]))
            .Select(g => g!["groupId"]!.GetValue<string>()).ToHashSet();
        Assert.True(onlyOnNode4.IsSupersetOf(ids), consistency.ToJsonString() + "\n"
            + string.Join("\n", cluster.Logs.Where(l => l.Contains(ids[0], StringComparison.Ordinal) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)).Take(50)));

        var report = await (await api.PostAsync("/v1/cluster/reconcile", null).WaitAsync(Wait.Request)).JsonAsync();
        Assert.True(report["consistent"]!.GetValue<bool>(), report.ToJsonString());
        Assert.Superset(ids.ToHashSet(), await cluster.Node("node4").GroupIdsAsync());
    }

    [Fact]
    public async Task A_wiped_node_is_refilled_from_the_desired_state_after_the_journal_forgot_its_operations()
    {
        var ids = await CreateAsync("wipe", 20);
        var api = cluster.Api();
        var last = await (await api.GetAsync($"/v1/group/{ids[^1]}").WaitAsync(Wait.Request)).JsonAsync();
        Assert.Equal(cluster.ApiNodes.Count, last["presentOn"]!.AsArray().Count);

        // The journal's closed operations expire (short retention): the group's last operation is no longer known.
        await Wait.UntilAsync(async () =>
        {
            var consistency = await (await api.GetAsync("/v1/operations?limit=1000").WaitAsync(Wait.Request)).JsonAsync();
            return !consistency.ToJsonString().Contains(ids[^1], StringComparison.Ordinal);
        }, Wait.Resource, "the journal forgets the operations");

        Assert.Equal(HttpStatusCode.OK, (await cluster.Node("node1").DeleteAsync("/v1/groups/").WaitAsync(Wait.Request)).StatusCode);
        var before = await (await api.GetAsync("/v1/cluster/consistency").WaitAsync(Wait.Request)).JsonAsync();
        var wiped = before["divergent"]!.AsArray().Where(g => ids.Contains(g!["groupId"]!.GetValue<string>())).ToList();
        Assert.Equal(ids.Count, wiped.Count);
        Assert.All(wiped, g =>
        {
            Assert.Null(g!["lastOperation"]);
            Assert.True(g["desired"]!["present"]!.GetValue<bool>(), g.ToJsonString());
        });

        var report = await (await api.PostAsync("/v1/cluster/reconcile", null).WaitAsync(Wait.Request)).JsonAsync();
        Assert.True(report["consistent"]!.GetValue<bool>(), report.ToJsonString());
        Assert.Superset(ids.ToHashSet(), await cluster.Node("node1").GroupIdsAsync());
    }

    [Fact]
    public async Task The_api_lists_the_cluster_a_page_at_a_time_and_every_group_once()
    {
        var ids = await CreateAsync("page", 30);
        var api = cluster.Api();
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await api.GetAsync($"/v1/groups?limit=5{(cursor is null ? "" : $"&cursor={cursor}")}").WaitAsync(Wait.Request)).JsonAsync();
            seen.AddRange(page["groups"]!.AsArray().Select(g => g!["groupId"]!.GetValue<string>()));
            cursor = page["next"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null && pages < 2_000);

        Assert.Null(cursor);
        Assert.True(pages > 1, $"{pages} page(s)");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Superset(ids.ToHashSet(), seen.ToHashSet());
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/v1/groups?cursor=x").WaitAsync(Wait.Request)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/v1/groups?limit=0").WaitAsync(Wait.Request)).StatusCode);
    }

    private async Task<List<string>> CreateAsync(string prefix, int count)
    {
        var api = cluster.Api();
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, count).Select(i => $"{prefix}-{run}-{i}").ToList();
        foreach (var id in ids)
        {
            Assert.Equal(HttpStatusCode.Created, (await api.PostGroupAsync(id)).StatusCode);
        }

        // The baseline: a cluster whose groups are on all its nodes. (On a loaded machine a first call can time out,
        // and an answer delivered late can leave a rolled-back group on one node: that is the reconciler's job too.)
        var baseline = await (await api.PostAsync("/v1/cluster/reconcile?policy=majority", null).WaitAsync(Wait.Request)).JsonAsync();
        Assert.True(baseline["consistent"]!.GetValue<bool>(), baseline.ToJsonString());
        return ids;
    }
}
