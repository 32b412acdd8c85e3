using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Node;

// The seed's node contract (docs/ARCHITECTURE.md, "Node HTTP contract"), route by route and status by status, against a
// real node and its store.
[Collection(ClusterCollection.Name)]
public sealed class NodeContractTests(ClusterFixture cluster)
{
    private readonly HttpClient _node = cluster.Node("node1");

    private static string NewId() => $"c-{Guid.NewGuid():N}";

    [Fact]
    public async Task Root_names_the_node()
    {
        var info = await (await _node.GetAsync("/").WaitAsync(Wait.Request)).JsonAsync();
        Assert.Equal("node1", info["nodeId"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(info["name"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(info["version"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("/v1/group/")]
    [InlineData("/v1/group")]
    public async Task Create_answers_201_with_the_group_then_400_for_a_duplicate(string path)
    {
        var id = NewId();
        var created = await _node.PostGroupAsync(id, path);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.JsonAsync();
        Assert.Equal(id, body["groupId"]!.GetValue<string>());
        Assert.Equal("node1", body["nodeId"]!.GetValue<string>());

        var duplicate = await _node.PostGroupAsync(id, path);
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Equal("application/problem+json", duplicate.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bad request. Perhaps the object exists.", (await duplicate.JsonAsync())["detail"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/v1/group/{0}/")]
    [InlineData("/v1/group/{0}")]
    public async Task Get_answers_200_when_present_and_404_when_absent(string pathFormat)
    {
        var id = NewId();
        Assert.Equal(HttpStatusCode.NotFound, (await _node.GetAsync(string.Format(pathFormat, id)).WaitAsync(Wait.Request)).StatusCode);
        await _node.PostGroupAsync(id);
        var found = await _node.GetAsync(string.Format(pathFormat, id)).WaitAsync(Wait.Request);
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var body = await found.JsonAsync();
        Assert.Equal(id, body["groupId"]!.GetValue<string>());
        Assert.Equal("node1", body["nodeId"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/v1/group/")]
    [InlineData("/v1/group")]
    public async Task Delete_answers_200_then_404(string path)
    {
        var id = NewId();
        await _node.PostGroupAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await _node.DeleteGroupAsync(id, path)).StatusCode);
        var again = await _node.DeleteGroupAsync(id, path);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await _node.GetAsync($"/v1/group/{id}/").WaitAsync(Wait.Request)).StatusCode);
    }

    [Theory]
    [InlineData("/v1/groups")]
    [InlineData("/v1/groups/")]
    public async Task List_holds_every_group_of_the_node(string path)
    {
        string a = NewId(), b = NewId();
        await _node.PostGroupAsync(a);
        await _node.PostGroupAsync(b);
        var list = await (await _node.GetAsync(path).WaitAsync(Wait.Request)).JsonAsync();
        Assert.Equal("node1", list["nodeId"]!.GetValue<string>());
        var groups = list["groups"]!.AsArray();
        Assert.Contains(groups, g => g!["groupId"]!.GetValue<string>() == a && g["nodeId"]!.GetValue<string>() == "node1");
        Assert.Contains(groups, g => g!["groupId"]!.GetValue<string>() == b);
    }

    public static TheoryData<string?, string> BadBodies => new()
    {
        { "not json", "application/json" },
        { "{}", "application/json" },
        { "{\"groupId\": 42}", "application/json" },
        { "{\"groupId\": null}", "application/json" },
        { "[\"x\"]", "application/json" },
        { "", "application/json" },
        { null, "application/json" },
        { "{\"groupId\": \"\"}", "application/json" },
        { $"{{\"groupId\": \"{new string('a', 129)}\"}}", "application/json" },
        { "{\"groupId\": \"a/b\"}", "application/json" },
        { "{\"groupId\": \"..\"}", "application/json" },
        { "{\"groupId\": \"x\", \"groupId\": \"y\"}", "application/json" },
        { "{\"groupId\": \"x\"} trailing", "application/json" },
        { "{\"groupId\": \"x\", \"extra\": 1}", "application/json" },
        { "{\"groupId\": \"x\"}", "text/plain" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_body_is_a_400_problem_and_writes_nothing(string? body, string contentType)
    {
        var before = await _node.GroupIdsAsync();
        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Delete })
        {
            var response = await _node.SendRawAsync(method, "/v1/group/", body, contentType);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.JsonAsync();
            Assert.Equal(400, problem["status"]!.GetValue<int>());
        }

        Assert.Equal(before, await _node.GroupIdsAsync());
    }

    [Fact]
    public async Task Each_node_has_its_own_store()
    {
        var id = NewId();
        Assert.Equal(HttpStatusCode.Created, (await _node.PostGroupAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Node("node2").GetAsync($"/v1/group/{id}/").WaitAsync(Wait.Request)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Node("node3").GetAsync($"/v1/group/{id}/").WaitAsync(Wait.Request)).StatusCode);
    }

    [Fact]
    public async Task Twenty_concurrent_creates_of_one_id_give_exactly_one_201()
    {
        var id = NewId();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _node.PostGroupAsync(id)));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.Equal(19, answers.Count(a => a.StatusCode == HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task A_write_sent_again_with_its_idempotency_key_is_replayed_not_refused()
    {
        var id = NewId();
        var key = $"k-{Guid.NewGuid():N}";
        HttpRequestMessage Create(string k) => new(HttpMethod.Post, "/v1/group/")
        {
            Content = JsonContent.Create(new { groupId = id }),
            Headers = { { "Idempotency-Key", k } },
        };

        Assert.Equal(HttpStatusCode.Created, (await _node.SendAsync(Create(key)).WaitAsync(Wait.Request)).StatusCode);
        var replay = await _node.SendAsync(Create(key)).WaitAsync(Wait.Request);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.BadRequest, (await _node.SendAsync(Create("other-key")).WaitAsync(Wait.Request)).StatusCode);

        HttpRequestMessage Delete(string k) => new(HttpMethod.Delete, "/v1/group/")
        {
            Content = JsonContent.Create(new { groupId = id }),
            Headers = { { "Idempotency-Key", k } },
        };
        Assert.Equal(HttpStatusCode.OK, (await _node.SendAsync(Delete("d1")).WaitAsync(Wait.Request)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _node.SendAsync(Delete("d1")).WaitAsync(Wait.Request)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _node.SendAsync(Delete("d2")).WaitAsync(Wait.Request)).StatusCode);
    }
}
