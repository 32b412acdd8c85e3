using System.Globalization;
using ClusterGroups.Client;
using ClusterGroups.Contracts;
using ClusterGroups.UnitTests.Cli;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.UnitTests.Client;

// The client as AddClusterGroupsClient registers it: its resilience handler resends what is safe to repeat (a read,
// or a write, which carries an Idempotency-Key) with the same key and deadline, honours Retry-After, and leaves final
// answers alone; a pending operation is followed to its end when asked.
public class ClientRetryTests
{
    private static readonly HttpMethod Post = HttpMethod.Post;
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-04T10:15:00Z", CultureInfo.InvariantCulture);
    private const string Problem = "application/problem+json";

    [Fact]
    public async Task A_write_whose_answer_was_lost_is_sent_again_with_the_same_key_and_deadline()
    {
        var api = new FakeApi().On(Post, "/v1/group/",
            _ => throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."),
            _ => FakeApi.Answer(201, FakeApi.Report("g1", Outcome.Committed)));
        using var services = TestClients.Registered(api, new FakeTimeProvider(Now), o => o.RetryDelay = TimeSpan.Zero);

        var report = await services.GetRequiredService<ClusterGroupsClient>().CreateAsync("g1").WaitAsync(Wait.Request);

        Assert.Equal(Outcome.Committed, report.Outcome);
        Assert.Equal(2, api.Received.Count);
        Assert.Single(api.Received.Select(r => r.Request.Header(ApiHeaders.IdempotencyKey)).Distinct());
        Assert.Equal(["2026-12-04T10:15:30.000Z"], api.Received.Select(r => r.Request.Header(ApiHeaders.RequestDeadline)).Distinct());
    }

    [Fact]
    public async Task A_write_whose_every_try_timed_out_is_a_timeout_only_once_its_deadline_has_passed()
    {
        // Two tries of 1 s each within a 5 s call: without waiting, the client would give up at 2 s while the Api may
        // still start the write until 5 s. ApiTimeoutException promises the deadline has passed when it is thrown.
        var time = new FakeTimeProvider(Now);
        var api = new HoldingApi();
        using var services = TestClients.Registered(api, time, o =>
        {
            o.Timeout = TimeSpan.FromSeconds(5);
            o.AttemptTimeout = TimeSpan.FromSeconds(1);
            o.MaxRetries = 1;
            o.RetryDelay = TimeSpan.Zero;
        });

        var call = services.GetRequiredService<ClusterGroupsClient>().CreateAsync("g1");
        await api.Arrived.Task.WaitAsync(Wait.Request);
        await Wait.UntilAsync(() =>
        {
            if (!call.IsCompleted)
            {
                time.Advance(TimeSpan.FromMilliseconds(250));
            }

            return Task.FromResult(call.IsCompleted);
        }, Wait.Request, "the call's end");
        var error = await Assert.ThrowsAsync<ApiTimeoutException>(() => call);

        Assert.Equal(2, api.Tries);
        Assert.Equal("2026-12-04T10:15:05.000Z", api.Deadline);
        Assert.True(time.GetUtcNow() >= Now.AddSeconds(5), $"the client gave up at {time.GetUtcNow():O}, before the deadline it sent");
        Assert.Equal(api.Key, error.IdempotencyKey);
    }

    [Theory]
    [InlineData(429, null)]
    [InlineData(503, "Busy")]
    public async Task Retry_After_is_honoured_before_the_same_write_goes_again(int status, string? outcome)
    {
        var time = new FakeTimeProvider(Now);
        var refusal = TestClients.ProblemWith(status, "wait", "Send again after Retry-After seconds.", outcome is null ? null : new { outcome });
        var api = new FakeApi(time).On(Post, "/v1/group/",
            _ => FakeApi.Answer(status, refusal, Problem, TimeSpan.FromSeconds(2)),
            _ => FakeApi.Answer(201, FakeApi.Report("g1", Outcome.Committed)));
        using var services = TestClients.Registered(api, time);

        var call = services.GetRequiredService<ClusterGroupsClient>().CreateAsync("g1");
        // The test's clock moves by 0.1 s per step (a step every 0.1 s of real time): the retry may go only once 2 s
        // have passed on it. Real time lost before the client sets its delay (a loaded machine) moves the fake clock
        // about as much, hence the upper bound's room.
        await Wait.UntilAsync(() =>
        {
            if (api.Received.Count < 2)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
            }

            return Task.FromResult(api.Received.Count >= 2);
        }, Wait.Request, "the retry");
        var report = await call.WaitAsync(Wait.Request);

        Assert.Equal(Outcome.Committed, report.Outcome);
        var (first, second) = (api.Received[0], api.Received[1]);
        var waited = second.At - first.At;
        Assert.True(waited >= TimeSpan.FromSeconds(2) && waited < TimeSpan.FromSeconds(10), $"the retry went {waited} after the refusal");
        Assert.Equal(first.Request.Header(ApiHeaders.IdempotencyKey), second.Request.Header(ApiHeaders.IdempotencyKey));
    }

    [Fact]
    public async Task Final_answers_are_not_sent_again()
    {
        var rolledBack = FakeApi.Problem(FakeApi.Report("g1", Outcome.RolledBack, summary: "failed on node3; undone"), 503, "rolled back");
        var api = new FakeApi()
            .On(Post, "/v1/group/", _ => FakeApi.Answer(503, rolledBack, Problem, TimeSpan.Zero))
            .On(HttpMethod.Delete, "/v1/group/", 504, TestClients.ProblemWith(504, "Deadline passed", "Nothing was done."), Problem)
            .On(Post, "/v1/operations/op-1/retry", 503, FakeApi.PlainProblem(503, "Coordinator unavailable", "Try later."), Problem);
        using var services = TestClients.Registered(api, new FakeTimeProvider(Now), o => o.RetryDelay = TimeSpan.Zero);
        var client = services.GetRequiredService<ClusterGroupsClient>();

        Assert.Equal(Outcome.RolledBack, (await client.CreateAsync("g1").WaitAsync(Wait.Request)).Outcome);
        await Assert.ThrowsAsync<DeadlineExceededException>(() => client.DeleteAsync("g1").WaitAsync(Wait.Request));
        // An operator's POST carries no Idempotency-Key: it is sent once.
        await Assert.ThrowsAsync<ApiUnavailableException>(() => client.RetryOperationAsync("op-1").WaitAsync(Wait.Request));

        Assert.Equal(3, api.Received.Count);
    }

    [Fact]
    public async Task A_read_is_sent_again_and_a_default_resilience_handler_is_replaced()
    {
        var cluster = """{"nodeCount":1,"reachableCount":1,"nodes":[]}""";
        var rolledBack = FakeApi.Problem(FakeApi.Report("g1", Outcome.RolledBack), 503, "rolled back");
        var api = new FakeApi()
            .On(HttpMethod.Get, "/v1/cluster", _ => FakeApi.Answer(503, "", "text/plain"), _ => FakeApi.Answer(200, cluster))
            .On(Post, "/v1/group/", _ => FakeApi.Answer(503, rolledBack, Problem));
        // An Aspire app's service defaults give every client the standard handler, which would send the 503 again.
        using var services = TestClients.Registered(api, new FakeTimeProvider(Now), o => o.RetryDelay = TimeSpan.Zero,
            before: s => s.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero)));
        var client = services.GetRequiredService<ClusterGroupsClient>();

        Assert.Equal(1, (await client.GetClusterAsync().WaitAsync(Wait.Request)).NodeCount);
        Assert.Equal(Outcome.RolledBack, (await client.CreateAsync("g1").WaitAsync(Wait.Request)).Outcome);

        Assert.Equal(3, api.Received.Count);
    }

    [Fact]
    public async Task A_pending_repair_is_followed_to_its_end_when_asked()
    {
        var pending = FakeApi.Report("g1", Outcome.PendingRepair, summary: "rollback pending on node1", operationId: "op-1");
        var api = new FakeApi()
            .On(Post, "/v1/group/", 202, pending)
            .On(HttpMethod.Get, "/v1/operations/op-1",
                _ => FakeApi.Answer(200, pending),
                _ => FakeApi.Answer(200, FakeApi.Report("g1", Outcome.RolledBack, summary: "rolled back by recovery", operationId: "op-1")));
        var client = TestClients.Plain(api, configure: o => o.PollInterval = TimeSpan.FromMilliseconds(1));

        var answered = await client.CreateAsync("g1").WaitAsync(Wait.Request);
        var followed = await client.CreateAsync("g1", new WriteOptions { FollowPending = true }).WaitAsync(Wait.Request);

        Assert.Equal(Outcome.PendingRepair, answered.Outcome);
        Assert.Equal(Outcome.RolledBack, followed.Outcome);
        Assert.Equal("rolled back by recovery", followed.Summary);
        Assert.Equal(2, api.Received.Count(r => r.Request.Method == HttpMethod.Get));
    }

    [Fact]
    public async Task An_earlier_copy_in_progress_is_followed_when_asked()
    {
        var api = new FakeApi()
            .On(Post, "/v1/group/", 409, TestClients.ProblemWith(409, "In progress", "Running.", new { operationId = "op-7", outcome = "Running" }), Problem)
            .On(HttpMethod.Get, "/v1/operations/op-7",
                _ => FakeApi.Answer(200, FakeApi.Report("g1", Outcome.Running, operationId: "op-7")),
                _ => FakeApi.Answer(200, FakeApi.Report("g1", Outcome.Committed, operationId: "op-7")));
        var client = TestClients.Plain(api, configure: o => { o.PollInterval = TimeSpan.FromMilliseconds(1); o.FollowPending = true; });

        var report = await client.CreateAsync("g1").WaitAsync(Wait.Request);

        Assert.Equal(Outcome.Committed, report.Outcome);
        Assert.Equal("op-7", report.OperationId);
    }

    [Fact]
    public async Task The_api_is_found_by_service_discovery()
    {
        var api = new FakeApi().On(HttpMethod.Get, "/v1/cluster", 200, """{"nodeCount":0,"reachableCount":0,"nodes":[]}""");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Services:api:http:0"] = "http://127.0.0.1:5099" })
            .Build();
        using var services = TestClients.Registered(api, new FakeTimeProvider(Now),
            o => o.BaseAddress = new Uri(ClusterGroupsClientOptions.ServiceDiscoveryAddress),
            before: s => s.AddSingleton<IConfiguration>(configuration).AddServiceDiscovery()
                .ConfigureHttpClientDefaults(http => http.AddServiceDiscovery()));

        await services.GetRequiredService<ClusterGroupsClient>().GetClusterAsync().WaitAsync(Wait.Request);

        Assert.Equal("http://127.0.0.1:5099/v1/cluster", Assert.Single(api.Received).Address.ToString());
    }
}
