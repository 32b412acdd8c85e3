using System.Text.Json.Nodes;
using ClusterGroups.Contracts;

namespace ClusterGroups.UnitTests.FanOut;

// The fake node is the oracle of the fan-out tests: it must answer like ClusterGroups.Node (NodeContractTests checks
// the real one the same way), or like the seed's Flask node, and consume its script as documented.
public sealed class FakeNodeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Our_kind_of_node_replays_a_write_sent_again_with_its_key_and_says_so_on_every_answer()
    {
        var node = new FakeNode("n1.test");
        using var http = Client(node);

        var created = await WriteAsync(http, HttpMethod.Post, "g1", "k1");
        var replayed = await WriteAsync(http, HttpMethod.Post, "g1", "k1");
        var duplicate = await WriteAsync(http, HttpMethod.Post, "g1", "k2");
        var read = await http.GetAsync("/v1/group/g1/").WaitAsync(Timeout);
        var deleted = await WriteAsync(http, HttpMethod.Delete, "g1", "d1");
        var deleteReplayed = await WriteAsync(http, HttpMethod.Delete, "g1", "d1");
        var absent = await WriteAsync(http, HttpMethod.Delete, "g1", "d2");

        Assert.Equal([201, 201, 400, 200, 200, 200, 404],
            new[] { created, replayed, duplicate, read, deleted, deleteReplayed, absent }.Select(r => (int)r.StatusCode));
        Assert.All(new[] { created, replayed, duplicate, read, deleted, absent },
            r => Assert.True(r.Headers.Contains(NodeHeaders.IdempotencySupported)));
        Assert.True(replayed.Headers.Contains(NodeHeaders.IdempotentReplay));
        Assert.True(deleteReplayed.Headers.Contains(NodeHeaders.IdempotentReplay));
        Assert.False(created.Headers.Contains(NodeHeaders.IdempotentReplay));
        Assert.Equal("application/problem+json", duplicate.Content.Headers.ContentType?.MediaType);
        Assert.Equal(NodeMessages.Exists, JsonNode.Parse(await duplicate.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>());
        Assert.Empty(node.Groups);
    }

    [Fact]
    public async Task A_seed_like_node_ignores_the_key_and_answers_a_duplicate_with_an_html_400()
    {
        var node = new FakeNode("n1.test", ignoresIdempotency: true);
        using var http = Client(node);

        var created = await WriteAsync(http, HttpMethod.Post, "g1", "k1");
        var again = await WriteAsync(http, HttpMethod.Post, "g1", "k1");
        var list = JsonNode.Parse(await http.GetStringAsync("/v1/groups").WaitAsync(Timeout))!;

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("text/html", again.Content.Headers.ContentType?.MediaType);
        Assert.False(again.Headers.Contains(NodeHeaders.IdempotentReplay));
        Assert.False(created.Headers.Contains(NodeHeaders.IdempotencySupported));
        Assert.Equal("g1", list["groups"]![0]!["groupId"]!.GetValue<string>());
        Assert.Equal(["g1"], node.Groups);
    }

    [Fact]
    public async Task The_script_is_consumed_in_order_by_matching_requests_and_faults_apply_or_not_as_named()
    {
        var node = new FakeNode("n1.test");
        node.Script(Fault.Status500AfterApply(HttpMethod.Post), Fault.ConnectionRefused(), Fault.Status500BeforeApply(HttpMethod.Post));
        using var http = Client(node);

        var first = await WriteAsync(http, HttpMethod.Post, "g1", "k1");                      // applied, then 500
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/v1/group/g1/").WaitAsync(Timeout));
        var third = await WriteAsync(http, HttpMethod.Post, "g2", "k2");                      // 500, not applied
        var fourth = await WriteAsync(http, HttpMethod.Post, "g3", "k3");                     // script empty: ok

        Assert.Equal([500, 500, 201], new[] { first, third, fourth }.Select(r => (int)r.StatusCode));
        Assert.Equal(["g1", "g3"], node.Groups.Order());
        Assert.Equal([FaultKind.Status500AfterApply, FaultKind.ConnectionRefused, FaultKind.Status500BeforeApply, FaultKind.Ok],
            node.Requests.Select(r => r.Fault));
    }

    private static HttpClient Client(FakeNode node) =>
        new(new FakeCluster([node]), disposeHandler: false) { BaseAddress = new Uri($"http://{node.Name}") };

    private static async Task<HttpResponseMessage> WriteAsync(HttpClient http, HttpMethod method, string groupId, string key)
    {
        using var request = new HttpRequestMessage(method, "/v1/group/") { Content = JsonContent.Create(new GroupRequest(groupId)) };
        request.Headers.Add(NodeHeaders.IdempotencyKey, key);
        return await http.SendAsync(request).WaitAsync(Timeout);
    }
}
