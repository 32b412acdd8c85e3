using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Chaos;

// A pending rollback outlives its key's record on a node (the node was unreachable for more than the record's day):
// the Api's abort must still learn that the write applied there, from the group's state, and undo it
// (docs/ARCHITECTURE.md, "Hazards across time", forgotten key).
[Collection(ChaosCollection.Name)]
public sealed class ExpiredKeyRecordTests(ChaosClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    [Fact]
    public async Task A_pending_rollback_whose_key_record_expired_on_a_node_still_undoes_the_write_there()
    {
        // node3 applies every write and abort, but none of its answers arrive, and it cannot be read: its effect
        // stays unknown, so the create is rolled back on node1 and node2 and left pending on node3.
        await cluster.SetChaosAsync("node3", new { errorAfterApply = 1.0, methods = new[] { "POST", "GET", "ABORT" } });
        var id = $"x-{Guid.NewGuid():N}";
        var response = await cluster.Api().PostGroupAsync(id);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var operationId = (await response.JsonAsync())["operationId"]!.GetValue<string>();

        // The record of the create's key on node3 expires (the store's state after expiry is the same as after DEL).
        await using (var store = await cluster.ConnectStoreAsync("node3"))
        {
            Assert.True(await store.GetDatabase().KeyDeleteAsync($"idem:{operationId}").WaitAsync(Wait.Request));
        }

        await cluster.MakeStableAsync();
        JsonNode? entry = null;
        await Wait.UntilAsync(async () =>
        {
            entry = await (await cluster.Api().GetAsync($"/v1/operations/{operationId}").WaitAsync(Wait.Request)).JsonAsync();
            return entry["outcome"]!.GetValue<string>() != "PendingRepair";
        }, Wait.Resource, "recovery closes the operation");

        // The answer, checked against the nodes when it is given: rolled back, and the group is on no node.
        Assert.Equal("RolledBack", entry!["outcome"]!.GetValue<string>());
        Assert.Empty(await cluster.WhereAsync(id));
        var node3 = entry["nodes"]!.AsArray().Single(n => n!["node"]!.GetValue<string>() == "node3")!;
        Assert.Equal("Applied", node3["effect"]!.GetValue<string>());
        Assert.Equal("Undone", node3["compensation"]!.GetValue<string>());
    }
}
