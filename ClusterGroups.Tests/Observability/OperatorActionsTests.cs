using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;
using ClusterGroups.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ClusterGroups.Tests.Observability;

// What an operator does to a stuck operation (retry, abandon) and how they find it (search), with the caller key
// journaled each time: an Api in-process on the cluster's nodes with two callers, recovery rounds an hour apart so
// that only the operator's retry drives an operation here.
[Collection(ClusterCollection.Name)]
public sealed class OperatorActionsTests(ClusterFixture cluster) : IAsyncLifetime
{
    private WebApplicationFactory<FanOutProtocol> _factory = null!;

    [Fact]
    public async Task Retry_drives_a_pending_repair_now_and_both_tries_are_journaled_with_the_callers_key_name()
    {
        var (alice, bob) = (Client("alice"), Client("bob"));
        var (id, operationId) = await PendingRepairAsync(alice);
        var report = await (await bob.GetAsync($"/v1/operations/{operationId}").WaitAsync(Wait.Request)).JsonAsync();
        Assert.Equal("alice", report["caller"]!.GetValue<string>());

        // Acting on an operation needs an admin key.
        Assert.Equal(HttpStatusCode.Forbidden, (await Client("carol").PostAsync($"/v1/operations/{operationId}/retry", null).WaitAsync(Wait.Request)).StatusCode);

        // The node is still failing: the retry runs, the repair stays pending, the try is on record.
        var retried = await bob.PostAsync($"/v1/operations/{operationId}/retry", null).WaitAsync(Wait.Request);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var after = await retried.JsonAsync();
        Assert.Equal("PendingRepair", after["outcome"]!.GetValue<string>());
        Assert.Equal(["retry:bob"], Actions(after));

        await cluster.MakeStableAsync();
        var closed = await (await alice.PostAsync($"/v1/operations/{operationId}/retry", null).WaitAsync(Wait.Request)).JsonAsync();
        Assert.Equal("RolledBack", closed["outcome"]!.GetValue<string>());
        Assert.Equal(["retry:bob", "retry:alice"], Actions(closed));
        Assert.Empty(await cluster.WhereAsync(id));

        var again = await alice.PostAsync($"/v1/operations/{operationId}/retry", null).WaitAsync(Wait.Request);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.PostAsync("/v1/operations/op-nothing/retry", null).WaitAsync(Wait.Request)).StatusCode);
    }

    [Fact]
    public async Task Abandon_needs_a_reason_stops_the_retries_keeps_it_listed_and_the_group_divergent()
    {
        var (alice, bob) = (Client("alice"), Client("bob"));
        var (id, operationId) = await PendingRepairAsync(alice);

        var noReason = await bob.SendRawAsync(HttpMethod.Post, $"/v1/operations/{operationId}/abandon", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal("application/problem+json", noReason.Content.Headers.ContentType?.MediaType);
        var abandoned = await bob.SendRawAsync(HttpMethod.Post, $"/v1/operations/{operationId}/abandon", """{"reason": "node2 is being replaced"}""");
        Assert.Equal(HttpStatusCode.OK, abandoned.StatusCode);
        var report = await abandoned.JsonAsync();
        Assert.Equal("Abandoned", report["outcome"]!.GetValue<string>());
        Assert.Equal(["abandon:bob"], Actions(report));
        Assert.Equal("node2 is being replaced", report["actions"]![0]!["reason"]!.GetValue<string>());

        // No longer retried, even by a forced round, nor by retry; still listed; the group still divergent.
        await cluster.MakeStableAsync();
        using var cts = new CancellationTokenSource(Wait.Request);
        await _factory.Services.GetRequiredService<Recovery>().RunOnceAsync(cts.Token, now: true);
        Assert.Equal(HttpStatusCode.Conflict, (await alice.PostAsync($"/v1/operations/{operationId}/retry", null).WaitAsync(Wait.Request)).StatusCode);
        Assert.Equal(["node2"], await cluster.WhereAsync(id));
        var listed = await (await alice.GetAsync($"/v1/operations?groupId={id}&outcome=Abandoned").WaitAsync(Wait.Request)).JsonAsync();
        Assert.Equal(operationId, Assert.Single(listed["operations"]!.AsArray())!["operationId"]!.GetValue<string>());
        var consistency = await (await alice.GetAsync("/v1/cluster/consistency").WaitAsync(Wait.Request)).JsonAsync();
        var divergent = consistency["divergent"]!.AsArray().Single(g => g!["groupId"]!.GetValue<string>() == id)!;
        Assert.Equal("Abandoned", divergent["lastOperation"]!["outcome"]!.GetValue<string>());

        // A new operation on the group is not blocked by the abandoned one (it converges the nodes).
        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteGroupAsync(id)).StatusCode);
        Assert.Empty(await cluster.WhereAsync(id));
    }

    // Both journals: in memory, and the coordinator's (its indexes per group and per outcome; shared with the
    // cluster's own Api, which is harmless here: these operations close at once).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Search_by_group_outcome_age_and_caller_pages_newest_first(bool coordinator)
    {
        var own = coordinator ? Start(await cluster.App.GetConnectionStringAsync("coordinator").AsTask().WaitAsync(Wait.Request)) : null;
        await using var disposeOwn = own;
        var factory = own ?? _factory;
        var alice = Client("alice", factory);
        var (g1, g2) = ($"search-{Guid.NewGuid():N}", $"search-{Guid.NewGuid():N}");
        var first = await IdOfAsync(await alice.PostGroupAsync(g1));
        var second = await IdOfAsync(await alice.PostGroupAsync(g1));   // 409: already so
        var third = await IdOfAsync(await alice.DeleteGroupAsync(g1));
        var fourth = await IdOfAsync(await alice.PostGroupAsync(g2));

        Assert.Equal([third, second, first], await IdsAsync(alice, $"groupId={g1}"));
        Assert.Equal([second], await IdsAsync(alice, $"groupId={g1}&outcome=AlreadySo"));
        Assert.Equal([third, second, first], await IdsAsync(alice, $"groupId={g1}&since=10m"));
        Assert.Empty(await IdsAsync(alice, $"groupId={g1}&since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}"));

        // A page at a time: the cursor goes on after the last one, nothing twice, nothing skipped.
        var page1 = await (await alice.GetAsync($"/v1/operations?groupId={g1}&limit=2").WaitAsync(Wait.Request)).JsonAsync();
        Assert.Equal([third, second], page1["operations"]!.AsArray().Select(o => o!["operationId"]!.GetValue<string>()));
        var next = page1["next"]!.GetValue<string>();
        Assert.Equal([first], await IdsAsync(alice, $"groupId={g1}&limit=2&cursor={Uri.EscapeDataString(next)}"));

        if (coordinator)
        {
            // Found through the group's index, not by reading every entry.
            var redis = factory.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
            Assert.Equal(3, await redis.SortedSetLengthAsync($"cg:ops:group:{g1}"));
            Assert.True(await redis.SortedSetScoreAsync("cg:ops:outcome:AlreadySo", second) is not null);

            // Each id is in its outcome's index and in no other: its close moved it out of Running's.
            foreach (var (id, outcome) in new[] { (first, Outcome.Committed), (second, Outcome.AlreadySo), (third, Outcome.Committed) })
            {
                var holding = new List<Outcome>();
                foreach (var index in Enum.GetValues<Outcome>())
                {
                    if (await redis.SortedSetScoreAsync($"cg:ops:outcome:{index}", id) is not null)
                    {
                        holding.Add(index);
                    }
                }

                Assert.Equal([outcome], holding);
            }
        }

        // By caller (the key's name), with a group and alone: each finds only what that key asked for.
        var bobs = await IdOfAsync(await Client("bob", factory).PostGroupAsync(g2));   // 409: already so
        Assert.Equal([bobs], await IdsAsync(alice, $"groupId={g2}&caller=bob"));
        Assert.Equal([fourth], await IdsAsync(alice, $"groupId={g2}&caller=alice"));
        var byBob = await (await alice.GetAsync("/v1/operations?caller=bob&since=10m&limit=1000").WaitAsync(Wait.Request)).JsonAsync();
        Assert.Contains(bobs, byBob["operations"]!.AsArray().Select(o => o!["operationId"]!.GetValue<string>()));
        Assert.All(byBob["operations"]!.AsArray(), o => Assert.Equal("bob", o!["caller"]!.GetValue<string>()));
        Assert.Empty(await IdsAsync(alice, $"groupId={g1}&caller=bob"));

        foreach (var bad in new[] { "outcome=Sideways", "since=yesterday", "cursor=nope", "groupId=no%2Fslash", "limit=0", "caller=a%01b",
                                    $"caller={new string('c', 201)}" })
        {
            var answer = await alice.GetAsync($"/v1/operations?{bad}").WaitAsync(Wait.Request);
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        }
    }

    private async Task<(string GroupId, string OperationId)> PendingRepairAsync(HttpClient caller)
    {
        await cluster.SetChaosAsync("node3", new { errorBeforeApply = 1.0, methods = new[] { "POST" } });
        await cluster.SetChaosAsync("node2", new { errorBeforeApply = 1.0, methods = new[] { "DELETE" } });
        var id = $"operator-{Guid.NewGuid():N}";
        var response = await caller.PostGroupAsync(id);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (id, await IdOfAsync(response));
    }

    private static async Task<string> IdOfAsync(HttpResponseMessage response) =>
        (await response.JsonAsync())["operationId"]!.GetValue<string>();

    private static async Task<string[]> IdsAsync(HttpClient api, string query) =>
        [.. (await (await api.GetAsync($"/v1/operations?{query}").WaitAsync(Wait.Request)).JsonAsync())["operations"]!.AsArray()
            .Select(o => o!["operationId"]!.GetValue<string>())];

    private static string[] Actions(System.Text.Json.Nodes.JsonNode report) =>
        [.. report["actions"]!.AsArray().Select(a => $"{a!["action"]!.GetValue<string>()}:{a["by"]!.GetValue<string>()}")];

    private HttpClient Client(string name, WebApplicationFactory<FanOutProtocol>? factory = null)
    {
        var client = (factory ?? _factory).CreateClient();
        client.DefaultRequestHeaders.Add(SecurityHeaders.ApiKey, $"{name}-key");
        return client;
    }

    public Task InitializeAsync()
    {
        _factory = Start(coordinator: null);
        return Task.CompletedTask;
    }

    private WebApplicationFactory<FanOutProtocol> Start(string? coordinator)
    {
        var settings = new Dictionary<string, string>
        {
            ["Api:Keys:alice:Key"] = "alice-key",
            ["Api:Keys:alice:Role"] = "admin",
            ["Api:Keys:bob:Key"] = "bob-key",
            ["Api:Keys:bob:Role"] = "admin",
            ["Api:Keys:carol"] = "carol-key",   // a write key: may create, not act on operations
            ["Cluster:Recovery:Interval"] = "01:00:00",
        };
        if (coordinator is not null)
        {
            settings["ConnectionStrings:coordinator"] = coordinator;
        }

        return InProcessApi.Start(cluster, settings);
    }

    public async Task DisposeAsync()
    {
        await cluster.MakeStableAsync();
        await _factory.DisposeAsync();
    }
}
