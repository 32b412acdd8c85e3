using System.Text;
using System.Text.Json.Nodes;
using ClusterGroups.Client;
using ClusterGroups.Contracts;
using ClusterGroups.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterGroups.Tests.Api;

// Idempotency-Key and Request-Deadline on the real app (README, "The Api"): a retry with the key gets the first
// request's operation, the key with another request is refused, a request past its deadline changes nothing, and
// the client's own retry after a lost answer gets its own operation back. Answers are checked against the nodes and
// the journal (GET /v1/operations?groupId=) when they are given.
[Collection(ClusterCollection.Name)]
public sealed class IdempotencyKeyTests(ClusterFixture cluster) : IAsyncLifetime
{
    private readonly HttpClient _api = cluster.Api();

    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    private static string NewId() => $"k-{Guid.NewGuid():N}";

    private static string NewKey() => $"key-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_retried_create_with_the_same_key_gets_the_same_operation_and_201_not_409()
    {
        var (id, key) = (NewId(), NewKey());

        var first = await _api.WriteAsync(HttpMethod.Post, id, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var operationId = (await first.JsonAsync())["operationId"]!.GetValue<string>();

        var retried = await _api.WriteAsync(HttpMethod.Post, id, key);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        var again = await retried.JsonAsync();
        Assert.Equal(operationId, again["operationId"]!.GetValue<string>());
        Assert.Equal("Committed", again["outcome"]!.GetValue<string>());
        Assert.Equal([operationId], await cluster.OperationsOnAsync(id));
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));

        // Without the key the same create is a new request: already so.
        Assert.Equal(HttpStatusCode.Conflict, (await _api.PostGroupAsync(id)).StatusCode);
    }

    [Fact]
    public async Task The_same_key_with_another_request_is_422_and_changes_nothing()
    {
        var (id, other, key) = (NewId(), NewId(), NewKey());
        Assert.Equal(HttpStatusCode.Created, (await _api.WriteAsync(HttpMethod.Post, id, key)).StatusCode);
        var operations = await cluster.OperationsOnAsync(id);

        var delete = await _api.WriteAsync(HttpMethod.Delete, id, key, byPath: true);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, delete.StatusCode);
        Assert.Equal("application/problem+json", delete.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
        Assert.Equal(operations, await cluster.OperationsOnAsync(id));

        var create = await _api.WriteAsync(HttpMethod.Post, other, key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, create.StatusCode);
        Assert.Empty(await cluster.WhereAsync(other));
        Assert.Empty(await cluster.OperationsOnAsync(other));
    }

    [Fact]
    public async Task A_request_past_its_deadline_is_504_and_the_group_is_on_no_node_and_its_key_keeps_that_answer()
    {
        var (id, key) = (NewId(), NewKey());

        var late = await _api.WriteAsync(HttpMethod.Post, id, key, deadline: DateTimeOffset.UtcNow.AddSeconds(-5));

        Assert.Equal(HttpStatusCode.GatewayTimeout, late.StatusCode);
        Assert.Equal("application/problem+json", late.Content.Headers.ContentType?.MediaType);
        Assert.Contains("nothing was done", (await late.JsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await cluster.WhereAsync(id));
        Assert.Empty(await cluster.OperationsOnAsync(id));

        // The key's request was refused, and stays so (a copy of it still on its way must not begin it): the same key
        // again is the same answer, nothing done; a new request takes a new key.
        var again = await _api.WriteAsync(HttpMethod.Post, id, key, deadline: DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(HttpStatusCode.GatewayTimeout, again.StatusCode);
        Assert.Empty(await cluster.OperationsOnAsync(id));
        Assert.Equal(HttpStatusCode.Created, (await _api.WriteAsync(HttpMethod.Post, id, NewKey(), deadline: DateTimeOffset.UtcNow.AddMinutes(1))).StatusCode);
    }

    // A retry that arrives after the deadline of a request whose first try began an operation (its answer was lost):
    // the key names that operation, so the answer is that operation's, never "deadline passed, nothing done".
    [Fact]
    public async Task A_retry_past_the_deadline_of_a_request_that_began_is_answered_with_its_operation()
    {
        var (id, key) = (NewId(), NewKey());
        var first = await _api.WriteAsync(HttpMethod.Post, id, key, deadline: DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var operationId = (await first.JsonAsync())["operationId"]!.GetValue<string>();

        var retried = await _api.WriteAsync(HttpMethod.Post, id, key, deadline: DateTimeOffset.UtcNow.AddSeconds(-1));

        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(operationId, (await retried.JsonAsync())["operationId"]!.GetValue<string>());
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
    }

    // The hazard the deadline is for: a request that waited for a busy group (its lease held by another owner, as
    // another replica running an operation on it does) past the caller's deadline is not run when the lease frees;
    // nothing is begun, and the key keeps that answer. The lease is held in the coordinator itself, so the wait does
    // not depend on how long a slowed-down operation takes (the Api's attempt timeouts adapt).
    [Fact]
    public async Task A_request_that_waits_for_a_busy_group_past_its_deadline_is_504_and_begins_nothing()
    {
        var (id, key) = (NewId(), NewKey());
        Assert.Equal(HttpStatusCode.Created, (await _api.PostGroupAsync(id)).StatusCode);
        var first = (await cluster.OperationsOnAsync(id)).Single();
        using var coordinator = await cluster.ConnectCoordinatorAsync();
        var store = coordinator.GetDatabase();
        Assert.True(await store.StringSetAsync($"cg:lock:{id}", "another-replica", TimeSpan.FromSeconds(60), StackExchange.Redis.When.NotExists));
        try
        {
            var delete = await _api.WriteAsync(HttpMethod.Delete, id, key, deadline: DateTimeOffset.UtcNow.AddSeconds(1), byPath: true);

            Assert.Equal(HttpStatusCode.GatewayTimeout, delete.StatusCode);
            Assert.Equal("DeadlinePassed", (await delete.JsonAsync())["outcome"]!.GetValue<string>());
        }
        finally
        {
            await store.KeyDeleteAsync($"cg:lock:{id}");
        }

        Assert.Equal([first], await cluster.OperationsOnAsync(id));
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));

        // The key keeps its refusal: the same request again, the lease free, begins nothing.
        var again = await _api.WriteAsync(HttpMethod.Delete, id, key, deadline: DateTimeOffset.UtcNow.AddMinutes(1), byPath: true);
        Assert.Equal(HttpStatusCode.GatewayTimeout, again.StatusCode);
        Assert.Equal([first], await cluster.OperationsOnAsync(id));
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
    }

    [Theory]
    [InlineData("has space", null)]
    [InlineData(null, "tomorrow")]
    [InlineData(null, "2026-12-04T10:15:30+01:00")]
    public async Task A_bad_key_or_deadline_is_a_400_and_nothing_is_written(string? key, string? deadline)
    {
        var id = NewId();
        using var request = HttpExtensions.GroupWrite(HttpMethod.Post, id);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(ApiHeaders.IdempotencyKey, key);
        }

        if (deadline is not null)
        {
            request.Headers.TryAddWithoutValidation(ApiHeaders.RequestDeadline, deadline);
        }

        var response = await _api.SendAsync(request).WaitAsync(Wait.Request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await cluster.WhereAsync(id));
        Assert.Empty(await cluster.OperationsOnAsync(id));
    }

    // The client's resilience handler sends the create again when its answer is lost on the way back (the Api ran
    // it): the second copy carries the same key and is answered with the operation the first started.
    [Fact]
    public async Task The_clients_create_retried_after_a_lost_answer_gets_its_own_operation()
    {
        var id = NewId();
        var dropper = new FirstAnswerLost();
        var services = new ServiceCollection();
        services.AddClusterGroupsClient(o =>
        {
            o.BaseAddress = cluster.App.GetEndpoint("api", "http");
            o.ApiKey = cluster.ApiKey;
            o.Timeout = Wait.Request;
            o.MaxRetries = 2;
            o.RetryDelay = TimeSpan.FromMilliseconds(50);
        }).AddHttpMessageHandler(() => dropper);
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<ClusterGroupsClient>().CreateAsync(id).WaitAsync(Wait.Request);

        Assert.NotNull(dropper.LostOperationId);
        Assert.Equal(dropper.LostOperationId, report.OperationId);
        Assert.Equal(Outcome.Committed, report.Outcome);
        Assert.Equal(2, dropper.Sent);
        Assert.Equal([report.OperationId], await cluster.OperationsOnAsync(id));
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
    }

    // Between the client's resilience handler and the wire: the first write reaches the Api and is run, then its
    // answer is lost (the connection fails before the client reads it).
    private sealed class FirstAnswerLost : DelegatingHandler
    {
        private int _sent;

        public int Sent => Volatile.Read(ref _sent);

        public string? LostOperationId { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (Interlocked.Increment(ref _sent) > 1)
            {
                return response;
            }

            using (response)
            {
                LostOperationId = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))?["operationId"]?.GetValue<string>();
            }

            throw new HttpRequestException("The answer was lost on the way back (the test's fault).");
        }
    }
}
