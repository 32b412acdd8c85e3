using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Chaos;

// One fault kind at rate 1.0 on one node (node2), on POST only so reads stay truthful: the outcome class and the
// final state of every node.
[Collection(ChaosCollection.Name)]
public sealed class FaultKindTests(ChaosClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    private static string NewId() => $"f-{Guid.NewGuid():N}";

    [Theory]
    // The write never happens on node2: the create is rolled back everywhere.
    [InlineData("errorBeforeApply", HttpStatusCode.ServiceUnavailable, "RolledBack", false)]
    [InlineData("timeoutBeforeApply", HttpStatusCode.ServiceUnavailable, "RolledBack", false)]
    [InlineData("dropConnection", HttpStatusCode.ServiceUnavailable, "RolledBack", false)]
    [InlineData("unavailable", HttpStatusCode.ServiceUnavailable, "RolledBack", false)]
    // node2 applied the write but its answer was lost: a read attributes it, and the create commits
    // (docs/ARCHITECTURE.md, "What goes wrong with naive compensation", rows 1 and 6).
    [InlineData("errorAfterApply", HttpStatusCode.Created, "Committed", true)]
    [InlineData("timeoutAfterApply", HttpStatusCode.Created, "Committed", true)]
    public async Task A_create_against_a_node_that_always_faults(string kind, HttpStatusCode status, string outcome, bool everywhere)
    {
        await cluster.SetChaosAsync("node2", new Dictionary<string, object> { [kind] = 1.0, ["methods"] = new[] { "POST" }, ["delay"] = "00:00:01.500" });
        var id = NewId();

        var response = await cluster.Api().PostGroupAsync(id);

        var body = await response.JsonAsync();
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(outcome, body["outcome"]!.GetValue<string>());
        Assert.Equal(everywhere ? ["node1", "node2", "node3"] : [], await cluster.WhereAsync(id));
    }

    [Fact]
    public async Task A_rollback_whose_delete_fails_once_is_retried_and_finishes()
    {
        await cluster.SetChaosAsync("node3", new { errorBeforeApply = 1.0, methods = new[] { "POST" } });
        await cluster.FailNextAsync("node2", "ErrorBeforeApply", "DELETE", 1);
        var id = NewId();

        var response = await cluster.Api().PostGroupAsync(id);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("RolledBack", body["outcome"]!.GetValue<string>());
        var node2 = body["nodes"]!.AsArray().Single(n => n!["node"]!.GetValue<string>() == "node2")!;
        Assert.Equal("Undone", node2["compensation"]!.GetValue<string>());
        Assert.Contains(node2["calls"]!.AsArray(), c => c!["phase"]!.GetValue<string>() == "compensate" && c["call"]!["status"]?.GetValue<int>() == 500);
        Assert.Empty(await cluster.WhereAsync(id));
    }

    [Fact]
    public async Task A_rollback_that_cannot_finish_is_pending_repair_and_the_api_finishes_it_by_itself()
    {
        await cluster.SetChaosAsync("node3", new { errorBeforeApply = 1.0, methods = new[] { "POST" } });
        await cluster.SetChaosAsync("node2", new { errorBeforeApply = 1.0, methods = new[] { "DELETE" } });
        var id = NewId();

        var response = await cluster.Api().PostGroupAsync(id);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("PendingRepair", body["outcome"]!.GetValue<string>());
        var location = response.Headers.Location!.ToString();
        Assert.Contains(body["operationId"]!.GetValue<string>(), location);
        Assert.Equal(["node2"], await cluster.WhereAsync(id)); // node1 undone, node2's undo pending

        await cluster.MakeStableAsync();
        await Wait.UntilAsync(async () =>
            (await (await cluster.Api().GetAsync(location)).JsonAsync())["outcome"]!.GetValue<string>() == "RolledBack",
            Wait.Resource, "recovery finishes the pending rollback");
        Assert.Empty(await cluster.WhereAsync(id));
    }
}
