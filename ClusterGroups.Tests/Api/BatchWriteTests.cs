using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClusterGroups.Client;
using ClusterGroups.Contracts;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Api;

// POST /v1/batch on the real app: every write is its own operation and gets the answer its own request would get
// (status, Location, Retry-After, body), checked against the nodes when the batch answers; a body that cannot be read
// whole changes nothing. The typed client's group commit: concurrent writes share requests, and each caller gets its
// own operation's answer.
[Collection(ClusterCollection.Name)]
public sealed class BatchWriteTests(ClusterFixture cluster) : IAsyncLifetime
{
    private readonly HttpClient _api = cluster.Api();

    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    private static string NewId() => $"b-{Guid.NewGuid():N}";

    private static string NewKey() => $"key-{Guid.NewGuid():N}";

    [Fact]
    public async Task Each_write_of_a_batch_is_answered_as_its_own_request_and_the_nodes_agree_when_it_answers()
    {
        var (created, existing, missing, refused, late) = (NewId(), NewId(), NewId(), NewId(), NewId());
        var (key, usedKey) = (NewKey(), NewKey());
        Assert.Equal(HttpStatusCode.Created, (await _api.PostGroupAsync(existing)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _api.WriteAsync(HttpMethod.Post, NewId(), usedKey)).StatusCode);

        var answers = await BatchAsync(
            new BatchWrite("create", created, key),
            new BatchWrite("create", existing),
            new BatchWrite("delete", missing),
            new BatchWrite("create", "not a valid id!"),
            new BatchWrite("rename", NewId()),
            new BatchWrite("create", refused, usedKey),
            new BatchWrite("create", late, Deadline: ClusterGroupsClient.Rfc3339(DateTimeOffset.UtcNow.AddMinutes(-1))),
            new BatchWrite("create", NewId(), "bad key with spaces"));

        Assert.Equal([201, 409, 404, 400, 400, 422, 504, 400], answers.Select(a => a["status"]!.GetValue<int>()));
        Assert.Equal($"/v1/group/{created}/", Header(answers[0], "Location"));
        Assert.Equal("Committed", answers[0]["body"]!["outcome"]!.GetValue<string>());
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(created));
        Assert.Equal("AlreadySo", answers[1]["body"]!["outcome"]!.GetValue<string>());
        Assert.Equal("AlreadySo", answers[2]["body"]!["outcome"]!.GetValue<string>());
        Assert.All(answers.Skip(1), a => Assert.StartsWith("application/problem+json", Header(a, "Content-Type")));
        Assert.Empty(await cluster.WhereAsync(missing));
        Assert.Empty(await cluster.WhereAsync(refused));
        Assert.Empty(await cluster.WhereAsync(late));
        Assert.Empty(await cluster.OperationsOnAsync(refused));

        // The key is the caller's, batch or not: its own request with it gets the batch's operation back.
        var again = await _api.WriteAsync(HttpMethod.Post, created, key);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(answers[0]["body"]!["operationId"]!.GetValue<string>(), (await again.JsonAsync())["operationId"]!.GetValue<string>());

        // And a write's answer is its own request's: the same status, title and outcome.
        var alone = await _api.PostGroupAsync(existing);
        var aloneBody = await alone.JsonAsync();
        Assert.Equal(409, (int)alone.StatusCode);
        Assert.Equal(aloneBody["title"]!.GetValue<string>(), answers[1]["body"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Writes_of_a_batch_that_a_node_refuses_are_each_rolled_back_and_on_no_node_when_answered()
    {
        var ids = Enumerable.Range(0, 4).Select(_ => NewId()).ToArray();
        await cluster.SetChaosAsync("node2", new { errorBeforeApply = 1.0, methods = new[] { "POST" } });

        var answers = await BatchAsync([.. ids.Select(id => new BatchWrite("create", id))]);

        foreach (var (answer, id) in answers.Zip(ids))
        {
            Assert.Equal(503, answer["status"]!.GetValue<int>());
            Assert.Equal("RolledBack", answer["body"]!["outcome"]!.GetValue<string>());
            Assert.Equal("1", Header(answer, "Retry-After"));
            Assert.Empty(await cluster.WhereAsync(id));
        }
    }

    [Fact]
    public async Task A_streamed_batch_answers_a_write_as_soon_as_it_ends_while_a_slower_write_of_it_still_runs()
    {
        // node2 holds every write it is sent past the Api's attempt timeout: the create cannot end before the Api gives
        // up on node2 and rolls it back. The second write is refused at once (an invalid groupId).
        var slow = NewId();
        await cluster.SetChaosAsync("node2", new { timeoutBeforeApply = 1.0, methods = new[] { "POST" } });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batch")
        {
            Content = JsonContent.Create(new BatchRequest([new BatchWrite("create", slow), new BatchWrite("create", "not a valid id!")])),
        };
        request.Headers.Accept.ParseAdd(BatchRequest.AnswerStream);

        using var response = await _api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Wait.Resource);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(BatchRequest.AnswerStream, response.Content.Headers.ContentType?.MediaType);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = JsonNode.Parse((await lines.ReadLineAsync().WaitAsync(Wait.Resource))!)!;

        Assert.Equal(1, first["index"]!.GetValue<int>());
        Assert.Equal(400, first["status"]!.GetValue<int>());
        // The slow write had not ended when that line came: its operation is (or is about to be) open.
        await Wait.UntilAsync(async () => (await OutcomesOnAsync(slow)).Contains("Running"), Wait.Resource, "the slow write's operation open");

        var second = JsonNode.Parse((await lines.ReadLineAsync().WaitAsync(Wait.Resource))!)!;
        Assert.Equal(0, second["index"]!.GetValue<int>());
        Assert.Equal(503, second["status"]!.GetValue<int>());
        Assert.Equal("RolledBack", second["body"]!["outcome"]!.GetValue<string>());
        Assert.Empty(await cluster.WhereAsync(slow));
        Assert.Null(await lines.ReadLineAsync().WaitAsync(Wait.Request));
    }

    [Fact]
    public async Task A_caller_that_stops_reading_a_streamed_batch_leaves_its_slow_write_to_end_as_its_own_request_would()
    {
        var slow = NewId();
        await cluster.SetChaosAsync("node2", new { timeoutBeforeApply = 1.0, methods = new[] { "POST" } });
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batch")
               {
                   Content = JsonContent.Create(new BatchRequest([new BatchWrite("create", slow), new BatchWrite("create", "not a valid id!")])),
               })
        {
            request.Headers.Accept.ParseAdd(BatchRequest.AnswerStream);
            using var response = await _api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Wait.Resource);
            using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.Equal(1, JsonNode.Parse((await lines.ReadLineAsync().WaitAsync(Wait.Resource))!)!["index"]!.GetValue<int>());
            await Wait.UntilAsync(async () => (await OutcomesOnAsync(slow)).Contains("Running"), Wait.Resource, "the slow write's operation open");
        }

        // The caller is gone; the write still ends on its own, rolled back, on no node, and the Api serves the next one.
        await Wait.UntilAsync(async () => (await OutcomesOnAsync(slow)) is ["RolledBack"], Wait.Resource, "the slow write rolled back");
        Assert.Empty(await cluster.WhereAsync(slow));
        await cluster.MakeStableAsync();
        var next = NewId();
        Assert.Equal(201, (await BatchAsync(new BatchWrite("create", next)))[0]["status"]!.GetValue<int>());
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(next));
    }

    [Fact]
    public async Task Each_write_of_a_batch_takes_a_permit_of_the_operations_limit_as_its_own_request_would()
    {
        // One operation at a time and one waiting (Api:MaxConcurrentOperations=1): the first write runs, the second
        // waits for its permit, the third finds the queue full and is refused as a third request would be.
        await using var api = await ApiProcess.StartAsync(cluster, "permits", new Dictionary<string, string> { ["Api__MaxConcurrentOperations"] = "1" });
        var ids = Enumerable.Range(0, 3).Select(_ => NewId()).ToArray();

        var response = await api.Client().PostAsJsonAsync("/v1/batch", new BatchRequest([.. ids.Select(id => new BatchWrite("create", id))]))
            .WaitAsync(Wait.Resource);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answers = (await response.JsonAsync())["answers"]!.AsArray().Select(a => a!).ToArray();
        Assert.Equal([201, 201, 429], answers.Select(a => a["status"]!.GetValue<int>()));
        Assert.Equal("Too many requests", answers[2]["body"]!["title"]!.GetValue<string>());
        Assert.NotNull(Header(answers[2], "Retry-After"));
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(ids[0]));
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(ids[1]));
        Assert.Empty(await cluster.WhereAsync(ids[2]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"writes\": []}")]
    [InlineData("{\"writes\": [{\"kind\": \"create\"}]}")]
    [InlineData("{\"writes\": [{\"kind\": \"create\", \"groupId\": \"x\", \"extra\": 1}]}")]
    [InlineData("[{\"kind\": \"create\", \"groupId\": \"x\"}]")]
    public async Task A_batch_that_cannot_be_read_whole_is_400_and_changes_nothing(string body)
    {
        var before = await cluster.SnapshotAsync();
        var response = await _api.SendRawAsync(HttpMethod.Post, "/v1/batch", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await cluster.SnapshotAsync());
    }

    [Fact]
    public async Task More_writes_than_the_Api_takes_in_one_batch_is_400_and_changes_nothing()
    {
        var ids = Enumerable.Range(0, 257).Select(_ => NewId()).ToArray();
        var response = await _api.PostAsJsonAsync("/v1/batch", new BatchRequest([.. ids.Select(id => new BatchWrite("create", id))]))
            .WaitAsync(Wait.Request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await cluster.WhereAsync(ids[0]));
        Assert.Empty(await cluster.WhereAsync(ids[^1]));
    }

    [Fact]
    public async Task Concurrent_writes_through_the_client_share_requests_and_each_caller_gets_its_own_operation()
    {
        var counted = new CountingHandler { InnerHandler = new HttpClientHandler() };
        var client = new ClusterGroupsClient(new HttpClient(counted), new ClusterGroupsClientOptions
        {
            BaseAddress = _api.BaseAddress!,
            ApiKey = cluster.ApiKey,
            Timeout = Wait.Request,
            MaxWritesInFlight = 1,
        });
        var ids = Enumerable.Range(0, 40).Select(_ => NewId()).ToArray();
        var twice = ids[0];

        var creates = await Task.WhenAll(ids.Append(twice).Append(twice).Select(id => client.CreateAsync(id))).WaitAsync(Wait.Resource);

        Assert.True(counted.Batches > 0, "no write went in a batch");
        Assert.Equal(counted.Batches, counted.Streamed);
        Assert.True(counted.Writes < creates.Length, $"{counted.Writes} write requests for {creates.Length} writes");
        Assert.Equal(creates.Length, creates.Select(c => c.OperationId).Distinct().Count());
        foreach (var id in ids)
        {
            var mine = creates.Where(c => c.GroupId == id).ToArray();
            Assert.Single(mine, c => c.Outcome == Outcome.Committed);
            Assert.All(mine.Where(c => c.Outcome != Outcome.Committed), c => Assert.Equal(Outcome.AlreadySo, c.Outcome));
            Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
        }
    }

    private async Task<JsonNode[]> BatchAsync(params BatchWrite[] writes)
    {
        var response = await _api.PostAsJsonAsync("/v1/batch", new BatchRequest(writes)).WaitAsync(Wait.Resource);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answers = (await response.JsonAsync())["answers"]!.AsArray();
        Assert.Equal(writes.Length, answers.Count);
        return [.. answers.Select(a => a!)];
    }

    private static string? Header(JsonNode answer, string name) => answer["headers"]?[name]?.GetValue<string>();

    private async Task<string[]> OutcomesOnAsync(string groupId)
    {
        var list = await (await _api.GetAsync($"/v1/operations?groupId={groupId}").WaitAsync(Wait.Request)).JsonAsync();
        return [.. list["operations"]!.AsArray().Select(o => o!["outcome"]!.GetValue<string>())];
    }

    // Counts the client's write requests: single creates and batches, and the batches answered as a stream.
    // Thread-safe (the client sends concurrently).
    private sealed class CountingHandler : DelegatingHandler
    {
        private int _writes;
        private int _batches;
        private int _streamed;

        public int Writes => Volatile.Read(ref _writes);

        public int Batches => Volatile.Read(ref _batches);

        public int Streamed => Volatile.Read(ref _streamed);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var batch = request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/v1/batch", StringComparison.Ordinal);
            if (batch)
            {
                Interlocked.Increment(ref _batches);
                Interlocked.Increment(ref _writes);
            }
            else if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/v1/group/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _writes);
            }

            var response = await base.SendAsync(request, ct);
            if (batch && response.Content.Headers.ContentType?.MediaType == BatchRequest.AnswerStream)
            {
                Interlocked.Increment(ref _streamed);
            }

            return response;
        }
    }
}
