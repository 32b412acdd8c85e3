using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterGroups.Contracts;
using ClusterGroups.Simulation.Keyspace;
using Microsoft.Extensions.Time.Testing;

namespace ClusterGroups.UnitTests.Nodes;

// POST /v1/groups/batch against the single routes, on twin nodes (same scripts, same clock): every item of a batch is
// answered with the status, headers and body its single route gives the same write on a twin that got the writes one
// by one, and the two stores end up holding exactly the same keys (groups, digest, fences, key records, tombstones,
// with their lifetimes). A batch the node cannot read whole is refused whole, nothing written.
public sealed class NodeBatchEndpointTests
{
    private static readonly string TooLong = new('x', 200);

    // Fenced-out tokens, replays of one key, aborts (before and after the write they abort), takeovers, bad ids,
    // keys and tokens, writes without key or token, and two items of one group in one batch.
    public static readonly NodeBatchItem[][] Batches =
    [
        [
            new(NodeBatch.Create, "g1", "k1", 5),
            new(NodeBatch.Create, "g1", "k1", 5),
            new(NodeBatch.Create, "g1", "k2", 5),
            new(NodeBatch.Create, "g1", "k3", 3),
            new(NodeBatch.Create, "g2", "k4", 1),
            new(NodeBatch.Abort, "g3", "k5", 1),
            new(NodeBatch.Create, "g6"),
            new(NodeBatch.Create, "bad id!", "k9", 1),
            new(NodeBatch.Create, "g7", "bad key!", 1),
            new(NodeBatch.Delete, "g7", "k10", 0),
        ],
        [
            new(NodeBatch.Create, "g3", "k5", 1),
            new(NodeBatch.Abort, "g1", "k1", 6),
            new(NodeBatch.Delete, "g1", "k6", 6),
            new(NodeBatch.Delete, "g1", "k6", 6),
            new(NodeBatch.Delete, "g2", "k7", 0 + 1),
            new(NodeBatch.Delete, "g1", "k8", 4),
            new(NodeBatch.Delete, "g9", "k11", 2),
            new(NodeBatch.TakeOver, "g1", "k1", 7, "k6"),
            new(NodeBatch.TakeOver, "g2", "k4", 1, "k12"),
            new(NodeBatch.Abort, "g1", "k1", 2),
            new(NodeBatch.Abort, "g8", null, 2),
            new(NodeBatch.Abort, TooLong, "k13", 2),
            new(NodeBatch.TakeOver, "g8", "k14", 2),
            new(NodeBatch.TakeOver, "g8", "k14", null, "k15"),
            new(NodeBatch.Delete, "g6"),
            new(NodeBatch.Delete, "g6", "k6", 9),
        ],
    ];

    [Fact]
    public async Task Every_item_is_answered_as_its_single_route_answers_on_a_twin_store()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        await using var single = await InProcessNode.StartAsync("n1", time);
        await using var batched = await InProcessNode.StartAsync("n1", time);

        foreach (var batch in Batches)
        {
            var expected = new List<Answer>();
            foreach (var item in batch)
            {
                expected.Add(await SingleAsync(single.Client, item));
            }

            var (status, answers) = await BatchAsync(batched.Client, batch);

            Assert.Equal(200, status);
            Assert.Equal(batch.Length, answers.Count);
            for (var i = 0; i < batch.Length; i++)
            {
                Assert.True(expected[i] == answers[i], $"item {i} ({batch[i]}): single {expected[i]}, batch {answers[i]}");
            }

            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(await KeyspaceAsync(single.Store), await KeyspaceAsync(batched.Store));
        Assert.Contains("fence", await KeyspaceAsync(batched.Store), StringComparison.Ordinal);
    }

    // Not a vacuous comparison: the mix gives every kind of answer a write can get.
    [Fact]
    public async Task The_mix_covers_every_answer_a_write_can_get()
    {
        var time = new FakeTimeProvider();
        await using var node = await InProcessNode.StartAsync("n1", time);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in Batches)
        {
            var (_, answers) = await BatchAsync(node.Client, batch);
            seen.UnionWith(answers.Select(a => $"{a.Status}{a.Marks}"));
        }

        // created, replayed, exists, fenced, aborted, deleted, not found, abort/takeover answers, bad requests.
        Assert.Superset(new HashSet<string>(StringComparer.Ordinal)
        {
            "201", "201|Idempotent-Replayed", "400", "409|X-Fenced", "409|X-Write-Aborted", "200", "200|Idempotent-Replayed", "404",
        }, seen);
    }

    // Group commit toward the store: a batch's writes, of every kind, reach it as one script (NodeScripts.Batch), and
    // an item refused before it writes (a bad id) is not waited for. A lone write is its single script.
    [Fact]
    public async Task A_batchs_writes_reach_the_store_as_one_script()
    {
        await using var node = await InProcessNode.StartAsync("n1", new FakeTimeProvider());
        var before = node.Scripts;

        var (status, answers) = await BatchAsync(node.Client,
        [
            new(NodeBatch.Create, "g1", "k1", 1), new(NodeBatch.Create, "g2", "k2", 1), new(NodeBatch.Delete, "g1", "k3", 1),
            new(NodeBatch.Create, "bad id!", "k4", 1), new(NodeBatch.Abort, "g3", "k5", 1), new(NodeBatch.TakeOver, "g2", "k2", 2, "k6"),
        ]);

        Assert.Equal(200, status);
        Assert.Equal([201, 201, 200, 400, 200, 200], answers.Select(a => a.Status));
        Assert.Equal(1, node.Scripts - before);
        Assert.Equal(HttpStatusCode.OK, (await node.Client.GetAsync("/v1/group/g2/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Client.GetAsync("/v1/group/g1/")).StatusCode);

        before = node.Scripts;
        var (_, alone) = await BatchAsync(node.Client, [new(NodeBatch.Create, "g4", "k7", 1)]);
        Assert.Equal(201, alone[0].Status);
        Assert.Equal(1, node.Scripts - before);
    }

    [Fact]
    public async Task An_unknown_kind_is_its_own_bad_request_and_the_other_items_still_apply()
    {
        await using var node = await InProcessNode.StartAsync("n1", new FakeTimeProvider());

        var (status, answers) = await BatchAsync(node.Client,
            [new("upsert", "g1", "k1", 1), new(NodeBatch.Create, "g2", "k2", 1)]);

        Assert.Equal(200, status);
        Assert.Equal(400, answers[0].Status);
        Assert.Contains("kind must be", answers[0].Body, StringComparison.Ordinal);
        Assert.Equal(201, answers[1].Status);
        Assert.Equal(HttpStatusCode.OK, (await node.Client.GetAsync("/v1/group/g2/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Client.GetAsync("/v1/group/g1/")).StatusCode);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "not json", "The body is not a JSON object" },
        { "", "The body is empty" },
        { """{"items": []}""", "no items" },
        { """{"items": [{"kind": "create", "groupId": "g1", "key": "k1", "token": 1}], "extra": 1}""", "The body is not a JSON object" },
        { """{"items": [{"kind": "create", "key": "k1", "token": 1}]}""", "The body is not a JSON object" },
        { """{"items": [{"kind": "create", "groupId": "g1", "key": "k1", "token": "1"}]}""", "The body is not a JSON object" },
        { """{"items": [null]}""", "The body is not a JSON object" },
        { "too many", $"At most {NodeBatch.MaxItems} items" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_batch_that_cannot_be_read_whole_is_a_400_problem_and_nothing_is_written(string body, string detail)
    {
        await using var node = await InProcessNode.StartAsync("n1", new FakeTimeProvider());
        if (body == "too many")
        {
            body = JsonSerializer.Serialize(new NodeBatchRequest([.. Enumerable.Range(0, NodeBatch.MaxItems + 1)
                .Select(i => new NodeBatchItem(NodeBatch.Create, $"g{i}", $"k{i}", 1))]), JsonSerializerOptions.Web);
        }

        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await node.Client.PostAsync(NodeBatch.Route, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Contains(detail, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("", await KeyspaceAsync(node.Store));
    }

    // An item's answer, as compared: status, which refusal or replay headers it carries, those headers' values with
    // Location and Content-Type, and the body without its per-request traceId.
    public sealed record Answer(int Status, string Marks, string Headers, string Body)
    {
        public override string ToString() => $"{Status}{Marks} [{Headers}] {Body}";
    }

    private static readonly string[] Flags = [NodeHeaders.IdempotentReplay, NodeHeaders.Fenced, NodeHeaders.WriteAborted];

    private static Answer AnswerOf(int status, Func<string, string?> header, string? body) => new(
        status,
        string.Concat(Flags.Where(h => header(h) is not null).Select(h => $"|{h}")),
        string.Join("; ", Flags.Append("Location").Append("Content-Type").Select(h => $"{h}={header(h)}")),
        Body(body));

    private static string Body(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return "";
        }

        var node = JsonNode.Parse(json)!;
        if (node is JsonObject o)
        {
            o.Remove("traceId");
        }

        return node.ToJsonString();
    }

    private static async Task<Answer> SingleAsync(HttpClient client, NodeBatchItem item)
    {
        using var request = item.Kind switch
        {
            NodeBatch.Create or NodeBatch.Delete => new HttpRequestMessage(item.Kind == NodeBatch.Create ? HttpMethod.Post : HttpMethod.Delete, "/v1/group/")
            {
                Content = new StringContent(JsonSerializer.Serialize(new { groupId = item.GroupId }), Encoding.UTF8, "application/json"),
            },
            _ => new HttpRequestMessage(HttpMethod.Post, $"/v1/group/{Uri.EscapeDataString(item.GroupId)}/{item.Kind}"),
        };
        if (item.Key is not null)
        {
            request.Headers.Add(NodeHeaders.IdempotencyKey, item.Key);
        }

        if (item.Token is { } token)
        {
            request.Headers.Add(NodeHeaders.FencingToken, token.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (item.UndoKey is not null)
        {
            request.Headers.Add(NodeHeaders.UndoKey, item.UndoKey);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return AnswerOf((int)response.StatusCode, name =>
            response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
                ? string.Join(",", values) : null, text);
    }

    private static async Task<(int Status, IReadOnlyList<Answer> Answers)> BatchAsync(HttpClient client, IReadOnlyList<NodeBatchItem> items)
    {
        using var response = await client.PostAsJsonAsync(NodeBatch.Route, new NodeBatchRequest(items));
        if (!response.IsSuccessStatusCode)
        {
            return ((int)response.StatusCode, []);
        }

        var batch = (await response.Content.ReadFromJsonAsync<NodeBatchResponse>())!;
        return ((int)response.StatusCode, [.. batch.Items.Select(a =>
            AnswerOf(a.Status, name => a.Headers.TryGetValue(name, out var v) ? v : null, a.Body?.GetRawText()))]);
    }

    // Every key with its type, content and remaining lifetime, sorted: two stores compare as text.
    private static async Task<string> KeyspaceAsync(InProcessStore store)
    {
        var keys = ((StackExchange.Redis.RedisResult[])(await store.ExecuteAsync("keys", "*"))!)
            .Select(k => k.ToString()).Order(StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (var key in keys)
        {
            var type = (await store.ExecuteAsync("type", key)).ToString();
            var content = type switch
            {
                "string" => (await store.ExecuteAsync("get", key)).ToString(),
                "hash" => string.Join(",", ((StackExchange.Redis.RedisResult[])(await store.ExecuteAsync("hgetall", key))!)
                    .Select(v => v.ToString()).Chunk(2).Select(p => $"{p[0]}={p[1]}").Order(StringComparer.Ordinal)),
                "set" => string.Join(",", ((StackExchange.Redis.RedisResult[])(await store.ExecuteAsync("smembers", key))!)
                    .Select(v => v.ToString()).Order(StringComparer.Ordinal)),
                _ => type,
            };
            lines.Add($"{key} {type} {content} ttl={(long)await store.ExecuteAsync("pttl", key)}");
        }

        return string.Join("\n", lines);
    }
}
