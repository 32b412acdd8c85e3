using System.Text.Json.Nodes;
using ClusterGroups.Tests.Chaos;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Coordinator;

// docs/ARCHITECTURE.md, "What goes wrong with naive compensation", row 5: the Api dies mid-operation. The journal (in
// the coordinator store) recorded it before any node was touched; the restarted Api's recovery takes it over once the
// dead one's lease expires, and drives it to an end.
[Collection(ChaosCollection.Name)]
public sealed class ApiCrashTests(ChaosClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    [Fact]
    public async Task An_operation_cut_off_by_an_api_crash_is_finished_by_the_restarted_api()
    {
        // node3 never applies a POST and holds each answer: the create stays in flight for seconds.
        await cluster.SetChaosAsync("node3", new { timeoutBeforeApply = 1.0, methods = new[] { "POST" }, delay = "00:00:01.500" });
        var id = $"crash-{Guid.NewGuid():N}";
        var api = cluster.Api();
        var inFlight = api.PostGroupAsync(id);

        JsonNode? running = null;
        await Wait.UntilAsync(async () =>
        {
            var open = await (await api.GetAsync("/v1/operations?state=open")).JsonAsync();
            running = open["operations"]!.AsArray().FirstOrDefault(o => o!["groupId"]!.GetValue<string>() == id);
            return running is not null;
        }, Wait.Resource, "the create is journaled as running");
        var operationId = running!["operationId"]!.GetValue<string>();

        try
        {
            await cluster.KillAsync("api");
            await Assert.ThrowsAnyAsync<Exception>(() => inFlight); // the caller lost its answer with the Api
        }
        finally
        {
            await cluster.StartAsync("api");
        }

        var fresh = cluster.Api();
        JsonNode? report = null;
        await Wait.UntilAsync(async () =>
        {
            report = await (await fresh.GetAsync($"/v1/operations/{operationId}")).JsonAsync();
            return report["outcome"]!.GetValue<string>() is not ("Running" or "PendingRepair");
        }, Wait.Resource, $"recovery closes {operationId}");

        Assert.Equal("RolledBack", report!["outcome"]!.GetValue<string>());
        Assert.True(report["recoveries"]!.GetValue<int>() >= 1, report.ToJsonString());
        Assert.Empty(await cluster.WhereAsync(id));
        var consistency = await (await fresh.GetAsync("/v1/cluster/consistency")).JsonAsync();
        Assert.DoesNotContain(consistency["divergent"]!.AsArray(), g => g!["groupId"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task A_node_down_longer_than_all_retries_leaves_pending_repair_that_converges_when_it_is_back()
    {
        var id = $"down-{Guid.NewGuid():N}";
        var api = cluster.Api();
        await cluster.SetChaosAsync("node3", new { errorBeforeApply = 1.0, methods = new[] { "POST" } });
        await cluster.SetChaosAsync("node2", new { errorBeforeApply = 1.0, methods = new[] { "DELETE" } });

        var response = await api.PostGroupAsync(id);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!.ToString();

        // node2 now goes down for longer than any retry; recovery's rounds fail meanwhile and the operation stays open.
        await cluster.StopAsync("node2");
        var open = await (await api.GetAsync(location)).JsonAsync();
        Assert.Equal("PendingRepair", open["outcome"]!.GetValue<string>());

        // It comes back (a restarted node has no fault injection): no caller sends anything; the Api converges.
        await cluster.StartAsync("node2");
        await Wait.UntilAsync(async () =>
            (await (await api.GetAsync(location)).JsonAsync())["outcome"]!.GetValue<string>() == "RolledBack",
            Wait.Resource, "the pending rollback finishes by itself");
        Assert.Empty(await cluster.WhereAsync(id));
    }

    [Fact]
    public async Task A_new_operation_waits_for_the_pending_rollback_of_an_earlier_one_on_the_same_group()
    {
        var id = $"later-{Guid.NewGuid():N}";
        var api = cluster.Api();
        await cluster.SetChaosAsync("node3", new { errorBeforeApply = 1.0, methods = new[] { "POST" } });
        await cluster.SetChaosAsync("node1", new { errorBeforeApply = 1.0, methods = new[] { "DELETE" } });
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostGroupAsync(id)).StatusCode); // pending on node1

        // While node1 still refuses the undo, a new create on the group is refused: it would run on top of it.
        await cluster.SetChaosAsync("node3", new { });
        var refused = await api.PostGroupAsync(id);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("Busy", (await refused.JsonAsync())["outcome"]!.GetValue<string>());

        // Once node1 recovers, the earlier rollback is finished first and the new create commits on top of it.
        await cluster.MakeStableAsync();
        await Wait.UntilAsync(async () => (await api.PostGroupAsync(id)).StatusCode == HttpStatusCode.Created,
            Wait.Resource, "the create commits after the earlier rollback finished");
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
    }
}
