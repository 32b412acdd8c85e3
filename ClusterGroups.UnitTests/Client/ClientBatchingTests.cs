using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ClusterGroups.Client;
using ClusterGroups.Contracts;
using ClusterGroups.UnitTests.Cli;
using Microsoft.Extensions.DependencyInjection;

using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.UnitTests.Client;

// The client's group commit toward the Api (ClusterGroupsClientOptions.Batching): a write that finds a request free
// goes alone; writes that queue behind requests in flight go in one POST /v1/batch, each with its own key and
// deadline, and each caller gets its own answer; what the batch does not settle goes again alone with the same key.
public class ClientBatchingTests
{
    [Fact]
    public async Task A_write_that_finds_a_request_free_goes_alone_as_without_batching()
    {
        var api = new BatchingApi();

        var report = await TestClients.Plain(api).CreateAsync("g1").WaitAsync(Wait.Request);

        Assert.Equal(Outcome.Committed, report.Outcome);
        Assert.Equal(["POST /v1/group/"], api.Requests.Select(r => r.Route));
    }

    [Fact]
    public async Task Writes_queued_behind_a_request_in_flight_go_in_one_batch_each_with_its_own_key_and_answer()
    {
        var api = new BatchingApi { HoldFirst = true };
        var client = TestClients.Plain(api, configure: o => o.MaxWritesInFlight = 1);

        var first = client.CreateAsync("g0");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var queued = Enumerable.Range(1, 5).Select(i => i % 2 == 0 ? client.DeleteAsync($"g{i}") : client.CreateAsync($"g{i}")).ToArray();
        api.Release();
        var reports = await Task.WhenAll(queued.Prepend(first)).WaitAsync(Wait.Request);

        Assert.Equal(["POST /v1/group/", "POST /v1/batch"], api.Requests.Select(r => r.Route));
        var writes = api.Requests[1].Body!["writes"]!.AsArray();
        Assert.Equal(["g1", "g2", "g3", "g4", "g5"], writes.Select(w => w!["groupId"]!.GetValue<string>()));
        Assert.Equal(["create", "delete", "create", "delete", "create"], writes.Select(w => w!["kind"]!.GetValue<string>()));
        Assert.Equal(5, writes.Select(w => w!["idempotencyKey"]!.GetValue<string>()).Distinct().Count());
        Assert.All(writes, w => Assert.True(DateTimeOffset.Parse(w!["deadline"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow));
        Assert.Equal(["g0", "g1", "g2", "g3", "g4", "g5"], reports.Select(r => r.GroupId));
        Assert.Equal(["op-g0", "op-g1", "op-g2", "op-g3", "op-g4", "op-g5"], reports.Select(r => r.OperationId));
        Assert.Equal([OperationKind.Create, OperationKind.Create, OperationKind.Delete, OperationKind.Create, OperationKind.Delete, OperationKind.Create],
            reports.Select(r => r.Kind));
    }

    [Fact]
    public async Task A_write_the_batch_answers_with_what_a_retry_is_for_goes_again_alone_with_its_key_and_a_final_one_does_not()
    {
        var api = new BatchingApi { HoldFirst = true, BusyInBatch = "busy", RolledBackInBatch = "failed" };
        var client = TestClients.Plain(api, configure: o => o.MaxWritesInFlight = 1);

        var first = client.CreateAsync("g0");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var busy = client.CreateAsync("busy");
        var failed = client.CreateAsync("failed");
        var fine = client.CreateAsync("fine");
        api.Release();
        await Task.WhenAll(first, busy, failed, fine).WaitAsync(Wait.Request);

        Assert.Equal(["POST /v1/group/", "POST /v1/batch", "POST /v1/group/"], api.Requests.Select(r => r.Route));
        var batched = api.Requests[1].Body!["writes"]!.AsArray().Single(w => w!["groupId"]!.GetValue<string>() == "busy")!;
        Assert.Equal(batched["idempotencyKey"]!.GetValue<string>(), api.Requests[2].Key);
        Assert.Equal(Outcome.Committed, (await busy).Outcome);
        Assert.Equal(Outcome.RolledBack, (await failed).Outcome);
        Assert.Equal(Outcome.Committed, (await fine).Outcome);
    }

    [Fact]
    public async Task An_Api_without_the_batch_route_gets_every_write_alone_from_then_on()
    {
        var api = new BatchingApi { HoldFirst = true, NoBatchRoute = true };
        var client = TestClients.Plain(api, configure: o => o.MaxWritesInFlight = 1);

        var first = client.CreateAsync("g0");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var queued = new[] { client.CreateAsync("g1"), client.CreateAsync("g2") };
        api.Release();
        var reports = await Task.WhenAll(queued.Prepend(first)).WaitAsync(Wait.Request);
        Assert.Equal(["g0", "g1", "g2"], reports.Select(r => r.GroupId));

        api.HoldFirst = true;
        api.Rearm();
        var again = client.CreateAsync("g3");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var later = new[] { client.CreateAsync("g4"), client.CreateAsync("g5") };
        api.Release();
        await Task.WhenAll(later.Prepend(again)).WaitAsync(Wait.Request);

        Assert.Equal(1, api.Requests.Count(r => r.Route == "POST /v1/batch"));
        Assert.Equal(6, api.Requests.Count(r => r.Route == "POST /v1/group/"));
        Assert.Equal(6, api.Requests.Where(r => r.Route == "POST /v1/group/").Select(r => r.Key).Distinct().Count());
    }

    [Fact]
    public async Task A_batch_the_Api_did_not_answer_whole_sends_each_write_again_alone_with_its_key()
    {
        var api = new BatchingApi { HoldFirst = true, BatchFails = true };
        var client = TestClients.Plain(api, configure: o => o.MaxWritesInFlight = 1);

        var first = client.CreateAsync("g0");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var queued = new[] { client.CreateAsync("g1"), client.DeleteAsync("g2") };
        api.Release();
        var reports = await Task.WhenAll(queued.Prepend(first)).WaitAsync(Wait.Request);

        Assert.Equal(["g0", "g1", "g2"], reports.Select(r => r.GroupId));
        var batch = api.Requests.Single(r => r.Route == "POST /v1/batch").Body!["writes"]!.AsArray();
        var keys = batch.Select(w => w!["idempotencyKey"]!.GetValue<string>()).ToHashSet();
        var alone = api.Requests.Where(r => r.Route != "POST /v1/batch").Skip(1).ToArray();
        Assert.Equal(["DELETE /v1/group/", "POST /v1/group/"], alone.Select(r => r.Route).Order());
        Assert.True(keys.SetEquals(alone.Select(r => r.Key!)));
    }

    [Fact]
    public async Task A_streamed_batch_answers_each_write_as_its_line_arrives_not_when_its_slowest_write_ends()
    {
        var api = new BatchingApi { HoldFirst = true, Streamed = true, HeldInStream = "slow" };
        var client = TestClients.Plain(api, configure: o => o.MaxWritesInFlight = 1);

        var first = client.CreateAsync("g0");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var slow = client.CreateAsync("slow");
        var fast = new[] { client.CreateAsync("g1"), client.DeleteAsync("g2") };
        api.Release();
        var answered = await Task.WhenAll(fast.Prepend(first)).WaitAsync(Wait.Request);

        // The slow write's line has not been written yet: its caller still waits, the others have their answers.
        Assert.False(slow.IsCompleted);
        Assert.Equal(["g0", "g1", "g2"], answered.Select(r => r.GroupId));
        api.ReleaseStream();
        Assert.Equal(Outcome.Committed, (await slow.WaitAsync(Wait.Request)).Outcome);
        Assert.Equal(["POST /v1/group/", "POST /v1/batch"], api.Requests.Select(r => r.Route));
        Assert.Contains(BatchRequest.AnswerStream, api.Requests[1].Accept);
    }

    [Fact]
    public async Task The_registered_client_reads_the_stream_through_its_resilience_handler_as_its_lines_arrive()
    {
        var api = new BatchingApi { HoldFirst = true, Streamed = true, HeldInStream = "slow" };
        await using var services = TestClients.Registered(api, TimeProvider.System, o => o.MaxWritesInFlight = 1);
        var client = services.GetRequiredService<ClusterGroupsClient>();

        var first = client.CreateAsync("g0");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var slow = client.CreateAsync("slow");
        var fast = client.DeleteAsync("g1");
        api.Release();
        await Task.WhenAll(first, fast).WaitAsync(Wait.Request);

        Assert.False(slow.IsCompleted);
        api.ReleaseStream();
        Assert.Equal(Outcome.Committed, (await slow.WaitAsync(Wait.Request)).Outcome);
        Assert.Equal(["POST /v1/group/", "POST /v1/batch"], api.Requests.Select(r => r.Route));
    }

    [Fact]
    public async Task A_stream_cut_short_sends_the_writes_it_did_not_answer_again_alone_with_their_keys()
    {
        var api = new BatchingApi { HoldFirst = true, Streamed = true, DroppedFromStream = "g2" };
        var client = TestClients.Plain(api, configure: o => o.MaxWritesInFlight = 1);

        var first = client.CreateAsync("g0");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var queued = new[] { client.CreateAsync("g1"), client.DeleteAsync("g2"), client.CreateAsync("g3") };
        api.Release();
        var reports = await Task.WhenAll(queued.Prepend(first)).WaitAsync(Wait.Request);

        Assert.Equal(["g0", "g1", "g2", "g3"], reports.Select(r => r.GroupId));
        Assert.Equal(["POST /v1/group/", "POST /v1/batch", "DELETE /v1/group/"], api.Requests.Select(r => r.Route));
        var batched = api.Requests[1].Body!["writes"]!.AsArray().Single(w => w!["groupId"]!.GetValue<string>() == "g2")!;
        Assert.Equal(batched["idempotencyKey"]!.GetValue<string>(), api.Requests[2].Key);
    }

    [Fact]
    public async Task A_queued_write_whose_caller_gave_up_before_it_was_sent_is_never_sent()
    {
        var api = new BatchingApi { HoldFirst = true };
        var client = TestClients.Plain(api, configure: o => o.MaxWritesInFlight = 1);
        using var giveUp = new CancellationTokenSource();

        var first = client.CreateAsync("g0");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var abandoned = client.CreateAsync("gone", cancellationToken: giveUp.Token);
        var kept = new[] { client.CreateAsync("g1"), client.CreateAsync("g2") };
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(Wait.Request));
        api.Release();
        await Task.WhenAll(kept.Prepend(first)).WaitAsync(Wait.Request);

        Assert.Equal(["POST /v1/group/", "POST /v1/batch"], api.Requests.Select(r => r.Route));
        Assert.Equal(["g1", "g2"], api.Requests[1].Body!["writes"]!.AsArray().Select(w => w!["groupId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_clients_the_container_hands_out_share_one_group_commit()
    {
        var api = new BatchingApi { HoldFirst = true };
        await using var services = TestClients.Registered(api, TimeProvider.System, o => o.MaxWritesInFlight = 1);
        // A typed client is a new instance per resolution, as an app that resolves one per request gets.
        var holding = services.GetRequiredService<ClusterGroupsClient>();
        var another = services.GetRequiredService<ClusterGroupsClient>();
        Assert.NotSame(holding, another);

        var first = holding.CreateAsync("g0");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var queued = new[] { another.CreateAsync("g1"), services.GetRequiredService<ClusterGroupsClient>().DeleteAsync("g2") };
        api.Release();
        var reports = await Task.WhenAll(queued.Prepend(first)).WaitAsync(Wait.Request);

        Assert.Equal(["g0", "g1", "g2"], reports.Select(r => r.GroupId));
        Assert.Equal(["POST /v1/group/", "POST /v1/batch"], api.Requests.Select(r => r.Route));
        Assert.Equal(["g1", "g2"], api.Requests[1].Body!["writes"]!.AsArray().Select(w => w!["groupId"]!.GetValue<string>()));
        Assert.Equal(TestClients.ApiKey, api.Requests[1].ApiKey);
    }

    [Fact]
    public async Task Clients_made_by_hand_batch_each_on_its_own()
    {
        // Each over an HttpClient of its own, whose handlers may differ: one never carries another's writes.
        var api = new BatchingApi { HoldFirst = true };
        var holding = TestClients.Plain(api, configure: o => o.MaxWritesInFlight = 1);
        var another = TestClients.Plain(api, configure: o => o.MaxWritesInFlight = 1);

        var first = holding.CreateAsync("g0");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var alone = await another.CreateAsync("g1").WaitAsync(Wait.Request);
        Assert.False(first.IsCompleted);
        api.Release();
        await first.WaitAsync(Wait.Request);

        Assert.Equal("g1", alone.GroupId);
        Assert.Equal(["POST /v1/group/", "POST /v1/group/"], api.Requests.Select(r => r.Route));
    }

    [Fact]
    public async Task Without_batching_every_write_goes_alone()
    {
        var api = new BatchingApi { HoldFirst = true };
        var client = TestClients.Plain(api, configure: o => (o.MaxWritesInFlight, o.Batching) = (1, false));

        var first = client.CreateAsync("g0");
        await api.FirstArrived.Task.WaitAsync(Wait.Request);
        var queued = new[] { client.CreateAsync("g1"), client.CreateAsync("g2") };
        api.Release();
        await Task.WhenAll(queued.Prepend(first)).WaitAsync(Wait.Request);

        Assert.Equal(3, api.Requests.Count(r => r.Route == "POST /v1/group/"));
        Assert.DoesNotContain(api.Requests, r => r.Route == "POST /v1/batch");
    }

    // An Api that answers each write as committed (a report whose operationId names the group), in a batch as the real
    // one does; the first write request is held until Release when HoldFirst, so later writes queue behind it. Streamed:
    // a batch that asks for it is answered a line at a time, in reverse order, the line of HeldInStream's write only
    // after ReleaseStream, DroppedFromStream's never.
    // Thread-safe: the client sends concurrently.
    private sealed class BatchingApi : HttpMessageHandler
    {
        private readonly ConcurrentQueue<Sent> _requests = new();
        private readonly TaskCompletionSource _releaseStream = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _held;

        public bool HoldFirst { get; set; }
        public bool NoBatchRoute { get; init; }
        public bool BatchFails { get; init; }
        public string? BusyInBatch { get; init; }
        public string? RolledBackInBatch { get; init; }
        public bool Streamed { get; init; }
        public string? HeldInStream { get; init; }
        public string? DroppedFromStream { get; init; }

        public TaskCompletionSource FirstArrived { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<Sent> Requests => [.. _requests];

        public void Release() => _release.TrySetResult();

        public void ReleaseStream() => _releaseStream.TrySetResult();

        public void Rearm()
        {
            FirstArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _held, 0);
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var text = request.Content is null ? null : await request.Content.ReadAsStringAsync(ct);
            var body = string.IsNullOrEmpty(text) ? null : JsonNode.Parse(text);
            var key = request.Headers.TryGetValues(ApiHeaders.IdempotencyKey, out var keys) ? keys.Single() : null;
            var route = $"{request.Method} {request.RequestUri!.AbsolutePath}";
            _requests.Enqueue(new Sent(route, body, key, [.. request.Headers.Accept.Select(a => a.MediaType ?? "")], request.Header(ApiHeaders.ApiKey)));
            if (HoldFirst && Interlocked.Exchange(ref _held, 1) == 0)
            {
                FirstArrived.TrySetResult();
                await _release.Task.WaitAsync(ct);
            }

            if (route == "POST /v1/batch")
            {
                var streamed = Streamed && request.Headers.Accept.Any(a => a.MediaType == BatchRequest.AnswerStream);
                return NoBatchRoute ? FakeApi.Answer(404, "")
                    : BatchFails ? FakeApi.Answer(500, "")
                    : streamed ? Stream(body!["writes"]!.AsArray())
                    : FakeApi.Answer(200, new JsonObject { ["answers"] = new JsonArray([.. body!["writes"]!.AsArray().Select(w => Item(w!))]) }.ToJsonString());
            }

            var groupId = body?["groupId"]?.GetValue<string>() ?? "";
            var kind = request.Method == HttpMethod.Post ? OperationKind.Create : OperationKind.Delete;
            return FakeApi.Answer(kind == OperationKind.Create ? 201 : 200, Committed(groupId, kind));
        }

        // The lines are written by a task of their own, as the Api writes them while its writes end.
        private HttpResponseMessage Stream(JsonArray writes)
        {
            var pipe = new System.IO.Pipelines.Pipe();
            _ = Task.Run(async () =>
            {
                var lines = writes.Select((w, i) => (Id: w!["groupId"]!.GetValue<string>(), Line: Item(w!)))
                    .Select((item, i) => (item.Id, Line: (JsonObject)item.Line, Index: i)).Reverse().ToList();
                foreach (var (id, line, index) in lines.OrderBy(l => l.Id == HeldInStream))
                {
                    if (id == DroppedFromStream)
                    {
                        continue;
                    }

                    if (id == HeldInStream)
                    {
                        await _releaseStream.Task.WaitAsync(Wait.Request);
                    }

                    line["index"] = index;
                    await pipe.Writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line.ToJsonString() + "\n"));
                }

                await pipe.Writer.CompleteAsync();
            });
            var content = new StreamContent(pipe.Reader.AsStream());
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(BatchRequest.AnswerStream);
            return new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = content };
        }

        private JsonNode Item(JsonNode write)
        {
            var groupId = write["groupId"]!.GetValue<string>();
            var kind = write["kind"]!.GetValue<string>() == "create" ? OperationKind.Create : OperationKind.Delete;
            if (groupId == BusyInBatch)
            {
                return Answer(503, "application/problem+json", FakeApi.PlainProblem(503, "Group busy", "Another operation on it did not finish in time."), "1");
            }

            if (groupId == RolledBackInBatch)
            {
                var report = FakeApi.Report(groupId, Outcome.RolledBack, kind, "rolled back", operationId: $"op-{groupId}");
                return Answer(503, "application/problem+json", FakeApi.Problem(report, 503, "Rolled back"), "1");
            }

            return Answer(kind == OperationKind.Create ? 201 : 200, "application/json; charset=utf-8", Committed(groupId, kind), null);
        }

        private static JsonNode Answer(int status, string contentType, string body, string? retryAfter)
        {
            var headers = new JsonObject { ["Content-Type"] = contentType };
            if (retryAfter is not null)
            {
                headers["Retry-After"] = retryAfter;
            }

            return new JsonObject { ["status"] = status, ["headers"] = headers, ["body"] = JsonNode.Parse(body) };
        }

        private static string Committed(string groupId, OperationKind kind) =>
            FakeApi.Report(groupId, Outcome.Committed, kind, operationId: $"op-{groupId}");
    }

    private sealed record Sent(string Route, JsonNode? Body, string? Key, IReadOnlyList<string> Accept, string ApiKey);
}
