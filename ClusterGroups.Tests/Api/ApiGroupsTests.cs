using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Api;

// The cluster-wide API over HTTP, through the AppHost, on 3 nodes.
[Collection(ClusterCollection.Name)]
public sealed class ApiGroupsTests(ClusterFixture cluster) : IAsyncLifetime
{
    private readonly HttpClient _api = cluster.Api();

    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    private static string NewId() => $"a-{Guid.NewGuid():N}";

    [Fact]
    public async Task Create_get_list_and_delete_through_the_api()
    {
        var id = NewId();
        var created = await _api.PostGroupAsync(id);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var report = await created.JsonAsync();
        Assert.Equal("Committed", report["outcome"]!.GetValue<string>());
        Assert.All(report["nodes"]!.AsArray(), n => Assert.Equal("Applied", n!["effect"]!.GetValue<string>()));
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));

        var get = await (await _api.GetAsync($"/v1/group/{id}/")).JsonAsync();
        Assert.True(get["consistent"]!.GetValue<bool>());
        Assert.Equal(3, get["presentOn"]!.AsArray().Count);

        var list = await (await _api.GetAsync("/v1/groups")).JsonAsync();
        var entry = list["groups"]!.AsArray().Single(g => g!["groupId"]!.GetValue<string>() == id)!;
        Assert.Empty(entry["missingOn"]!.AsArray());

        var again = await _api.PostGroupAsync(id);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("AlreadySo", (await again.JsonAsync())["outcome"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await _api.DeleteGroupAsync(id)).StatusCode);
        Assert.Empty(await cluster.WhereAsync(id));
        Assert.Equal(HttpStatusCode.NotFound, (await _api.DeleteAsync($"/v1/group/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync($"/v1/group/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_group_on_some_nodes_only_is_converged_by_create_and_by_delete()
    {
        var id = NewId();
        await cluster.Node("node2").PostGroupAsync(id);

        var created = await (await _api.PostGroupAsync(id)).JsonAsync();
        Assert.True(created["outcome"]!.GetValue<string>() == "Committed", created.ToJsonString());
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));

        await cluster.Node("node3").DeleteGroupAsync(id);
        var deleted = await _api.DeleteGroupAsync(id);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Empty(await cluster.WhereAsync(id));
    }

    [Theory]
    [InlineData("{\"groupId\": \"a/b\"}")]
    [InlineData("{\"groupId\": 7}")]
    [InlineData("{\"groupId\": \"\"}")]
    [InlineData("nope")]
    public async Task Bad_input_is_a_400_that_touches_no_node(string body)
    {
        var before = await Task.WhenAll(cluster.NodeNames.Select(n => cluster.Node(n).GroupIdsAsync()));
        var response = await _api.SendRawAsync(HttpMethod.Post, "/v1/group/", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var after = await Task.WhenAll(cluster.NodeNames.Select(n => cluster.Node(n).GroupIdsAsync()));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task A_stopped_node_rolls_the_create_back_and_a_restarted_one_lets_it_commit()
    {
        var id = NewId();
        await cluster.StopAsync("node3");
        try
        {
            var response = await _api.PostGroupAsync(id);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            var report = await response.JsonAsync();
            Assert.Equal("RolledBack", report["outcome"]!.GetValue<string>());
            var node3 = report["nodes"]!.AsArray().Single(n => n!["node"]!.GetValue<string>() == "node3")!;
            Assert.Equal("NotApplied", node3["effect"]!.GetValue<string>());
            Assert.False(await cluster.IsPresentAsync("node1", id));
            Assert.False(await cluster.IsPresentAsync("node2", id));
        }
        finally
        {
            await cluster.StartAsync("node3");
        }

        await Wait.UntilAsync(async () => (await _api.PostGroupAsync(id)).StatusCode == HttpStatusCode.Created,
            Wait.Resource, "a create commits once node3 is back");
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
    }

    [Fact]
    public async Task Fifty_concurrent_operations_on_ten_ids_leave_every_id_consistent()
    {
        var ids = Enumerable.Range(0, 10).Select(_ => NewId()).ToArray();
        var random = new Random(7);
        var work = Enumerable.Range(0, 50).Select(i => (Id: ids[i % 10], Create: random.Next(3) > 0)).ToArray();
        var answers = await Task.WhenAll(work.Select(w => w.Create ? _api.PostGroupAsync(w.Id) : _api.DeleteGroupAsync(w.Id)));
        foreach (var answer in answers)
        {
            Assert.True((int)answer.StatusCode is 200 or 201 or 404 or 409, $"{(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        }

        foreach (var id in ids)
        {
            var view = await (await _api.GetAsync($"/v1/group/{id}")).JsonAsync();
            var where = await cluster.WhereAsync(id);
            Assert.True(where.Length is 0 or 3, $"{id} is on {string.Join(",", where)} only");
            Assert.True(view["consistent"]?.GetValue<bool>() ?? view["group"]!["consistent"]!.GetValue<bool>());
        }
    }

    [Fact]
    public async Task Two_concurrent_creates_of_one_id_give_one_commit_and_one_already_so()
    {
        var id = NewId();
        var answers = await Task.WhenAll(_api.PostGroupAsync(id), cluster.Api().PostGroupAsync(id));
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
    }

    [Fact]
    public async Task Cluster_view_reports_every_node_reachable_with_latency()
    {
        var view = await (await _api.GetAsync("/v1/cluster")).JsonAsync();
        Assert.Equal(3, view["reachableCount"]!.GetValue<int>());
        Assert.All(view["nodes"]!.AsArray(), n =>
        {
            Assert.True(n!["reachable"]!.GetValue<bool>());
            Assert.True(n["latencyMs"]!.GetValue<double>() > 0);
            Assert.NotNull(n["groupCount"]);
        });
    }

    [Fact]
    public async Task The_openapi_document_documents_the_outcome_statuses()
    {
        var doc = await (await _api.GetAsync("/openapi/v1.json")).JsonAsync();
        var create = doc["paths"]!["/v1/group"]!["post"]!["responses"]!.AsObject();
        Assert.True(create.ContainsKey("201") && create.ContainsKey("409") && create.ContainsKey("503") && create.ContainsKey("202"),
            string.Join(",", create.Select(r => r.Key)));
        Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync("/scalar/v1")).StatusCode);
    }
}
