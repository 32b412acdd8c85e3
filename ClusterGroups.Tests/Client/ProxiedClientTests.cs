using System.Text.Json.Nodes;
using ClusterGroups.Client;
using ClusterGroups.Tests.Coordinator;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Proxy;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Client;

// Issue 26 against the real app: ClusterGroups.Client, as a program registers it (AddClusterGroupsClient: the standard
// resilience handler retrying keyed writes), talks to the two Api replicas through a real network hop (ApiProxy) that
// loses answers, holds requests and copies them. Its retries create and delete each group exactly once and never
// start a second operation, also when two copies of one key reach the two replicas at once; a request held past its
// Request-Deadline changes nothing; the key with another request is refused. Every answer is checked against the
// nodes when it is given, and against the coordinator's journal (the operations on the group, the key's record).
[Collection(ReplicatedApiCollection.Name)]
public sealed class ProxiedClientTests(ReplicatedApiFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    // The fixture's Api key is named "default" (AppHost): the scope of its Idempotency-Keys in the coordinator.
    private const string KeyScope = "default";

    private ApiProxy _proxy = null!;
    private ConnectionMultiplexer _coordinator = null!;

    public async Task InitializeAsync()
    {
        await cluster.MakeStableAsync();
        _proxy = await ApiProxy.StartAsync(await ApiReplicaEndpoints.ReadAsync(cluster, replicas: 2));
        _coordinator = await cluster.ConnectCoordinatorAsync();
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _coordinator.DisposeAsync();
        await cluster.MakeStableAsync();
    }

    private static string NewId() => $"px-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_create_whose_answer_is_lost_is_retried_by_the_client_and_answered_with_the_operation_it_began()
    {
        var id = NewId();

        var (report, lost, where) = await AnswerLostOnceAsync(id, client => client.CreateAsync(id));

        Assert.Equal(201, lost.Status);
        Assert.Equal(lost.OperationId, report.OperationId);
        Assert.Equal(Outcome.Committed, report.Outcome);
        Assert.Equal(["node1", "node2", "node3"], where);
        await AssertJournaledOnceAsync(id, lost.Request.IdempotencyKey!, report.OperationId, OperationKind.Create, before: []);
    }

    [Fact]
    public async Task A_delete_whose_answer_is_lost_is_retried_by_the_client_and_answered_with_the_operation_it_began()
    {
        var id = NewId();
        var created = await cluster.Client().CreateAsync(id).WaitAsync(Wait.Request);
        Assert.Equal(Outcome.Committed, created.Outcome);

        var (report, lost, where) = await AnswerLostOnceAsync(id, client => client.DeleteAsync(id));

        Assert.Equal(200, lost.Status);
        Assert.Equal(lost.OperationId, report.OperationId);
        Assert.Equal(Outcome.Committed, report.Outcome);
        Assert.Empty(where);
        await AssertJournaledOnceAsync(id, lost.Request.IdempotencyKey!, report.OperationId, OperationKind.Delete, before: [created.OperationId]);
    }

    [Fact]
    public async Task Two_copies_of_one_keyed_create_reaching_both_replicas_at_once_start_one_operation_that_both_answers_name()
    {
        var id = NewId();
        // One try, following what a copy answers "in progress" to its end: the client gets the first replica's answer.
        await using var services = ClientThroughProxy(maxRetries: 0, followPending: true);
        _proxy.DuplicateNext();

        var report = await services.GetRequiredService<ClusterGroupsClient>().CreateAsync(id).WaitAsync(Wait.Request);
        var where = await cluster.WhereAsync(id);

        var copies = _proxy.Exchanges.Where(e => e.Fate == "duplicated").ToList();
        foreach (var copy in copies)
        {
            output.WriteLine($"copy: {copy}");
        }

        Assert.Equal(2, copies.Count);
        Assert.Equal(2, copies.Select(c => c.Replica).Distinct().Count());
        Assert.Single(copies.Select(c => c.Request.IdempotencyKey).Distinct());
        // Each copy is the operation's answer (201 once committed, 202 from a copy whose run the other replica took
        // over) or 409 "in progress" naming it; never a second operation, never "already so".
        Assert.All(copies, c => Assert.True(
            c is { Status: 201 or 202 } && c.Json!["outcome"]!.GetValue<string>() is "Committed" or "Running"
            || c is { Status: 409, MediaType: ApiAnswer.ProblemMediaType } && c.Json!["outcome"]!.GetValue<string>() == "Running",
            c.ToString()));
        Assert.All(copies, c => Assert.Equal(report.OperationId, c.OperationId));
        Assert.Equal(Outcome.Committed, report.Outcome);
        Assert.Equal(["node1", "node2", "node3"], where);
        await AssertJournaledOnceAsync(id, copies[0].Request.IdempotencyKey!, report.OperationId, OperationKind.Create, before: []);
    }

    [Fact]
    public async Task A_create_held_in_the_network_past_its_deadline_is_504_when_it_arrives_and_begins_nothing()
    {
        var id = NewId();
        // Earlier tests' operations are closed, so that nothing else moves on the nodes while this one is watched.
        await ReplicaLoad.NoneOpenAsync(cluster.Api());
        var nodesBefore = await cluster.SnapshotAsync();
        // One try: the caller gives up at its deadline, as a program whose timeout is up does.
        await using var services = ClientThroughProxy(maxRetries: 0, timeout: TimeSpan.FromSeconds(2));
        var held = _proxy.HoldNext();

        var call = services.GetRequiredService<ClusterGroupsClient>().CreateAsync(id);
        var request = await held.Arrived.WaitAsync(Wait.Request);
        await Assert.ThrowsAsync<ApiTimeoutException>(() => call.WaitAsync(Wait.Request));
        var deadline = Assert.IsType<DateTimeOffset>(request.Deadline);
        // Passed as the Api reads it (now >= deadline); the client waits for it when its timer fires early.
        Assert.True(DateTimeOffset.UtcNow >= deadline, $"the caller gave up before its deadline {deadline:O}");

        held.Release();
        var answer = await held.Answered.WaitAsync(Wait.Request);
        output.WriteLine($"held: {answer}");

        Assert.Equal(504, answer.Status);
        Assert.Equal(ApiAnswer.ProblemMediaType, answer.MediaType);
        Assert.Contains("nothing was done", answer.Json!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(nodesBefore, await cluster.SnapshotAsync());
        Assert.Empty(await cluster.OperationsOnAsync(id));
        Assert.Empty(await JournaledOnAsync(id));
        // The key's record is the refusal ("<kind> <groupId> -"), so that a later copy of the request begins nothing either.
        Assert.Equal($"Create {id} -", await KeyRecordAsync(request.IdempotencyKey!));
    }

    [Fact]
    public async Task The_same_key_with_another_request_is_refused_422_and_writes_nothing()
    {
        var (id, other) = (NewId(), NewId());
        await using var services = ClientThroughProxy(maxRetries: 2);
        var client = services.GetRequiredService<ClusterGroupsClient>();
        var key = $"key-{Guid.NewGuid():N}";
        var created = await client.CreateAsync(id, new WriteOptions { IdempotencyKey = key }).WaitAsync(Wait.Request);
        Assert.Equal(Outcome.Committed, created.Outcome);

        // Another kind on the same group, and the same kind on another group: each reaches the other replica in turn.
        var delete = await Assert.ThrowsAsync<IdempotencyKeyReusedException>(() =>
            client.DeleteAsync(id, new WriteOptions { IdempotencyKey = key }).WaitAsync(Wait.Request));
        var create = await Assert.ThrowsAsync<IdempotencyKeyReusedException>(() =>
            client.CreateAsync(other, new WriteOptions { IdempotencyKey = key }).WaitAsync(Wait.Request));

        var refusals = _proxy.Exchanges.Where(e => e.Status == 422).ToList();
        Assert.Equal(2, refusals.Count);
        Assert.Equal(2, refusals.Select(r => r.Replica).Distinct().Count());
        Assert.All(refusals, r => Assert.Equal(ApiAnswer.ProblemMediaType, r.MediaType));
        Assert.Equal(key, delete.IdempotencyKey);
        Assert.Equal(key, create.IdempotencyKey);
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
        Assert.Empty(await cluster.WhereAsync(other));
        Assert.Equal([created.OperationId], await cluster.OperationsOnAsync(id));
        Assert.Empty(await cluster.OperationsOnAsync(other));
        Assert.Equal($"Create {id} {created.OperationId}", await KeyRecordAsync(key));
    }

    // The client as a program registers it, aimed at the proxy: each write carries its key and deadline on every try.
    private ServiceProvider ClientThroughProxy(int maxRetries, bool followPending = false, TimeSpan? timeout = null)
    {
        var services = new ServiceCollection();
        services.AddClusterGroupsClient(o =>
        {
            o.BaseAddress = _proxy.Address;
            o.ApiKey = cluster.ApiKey;
            o.Timeout = timeout ?? Wait.Request;
            o.MaxRetries = maxRetries;
            o.RetryDelay = TimeSpan.FromMilliseconds(50);
            o.FollowPending = followPending;
        });
        return services.BuildServiceProvider();
    }

    // One write through a client that retries, its first answer dropped by the proxy after the Api gave it; the
    // client's answer, the answer it never heard, and the nodes the moment the client answered.
    private async Task<(OperationReport Report, ProxyExchange Lost, string[] Where)> AnswerLostOnceAsync(
        string groupId, Func<ClusterGroupsClient, Task<OperationReport>> write)
    {
        await using var services = ClientThroughProxy(maxRetries: 2);
        _proxy.DropNextAnswers(1);

        var report = await write(services.GetRequiredService<ClusterGroupsClient>()).WaitAsync(Wait.Request);
        var where = await cluster.WhereAsync(groupId);

        var (lost, retry) = LostAndRetried();
        output.WriteLine($"lost:   {lost}");
        output.WriteLine($"retry:  {retry}");
        output.WriteLine($"client: {report.OperationId} {report.Outcome}");
        return (report, lost, where);
    }

    // The write whose answer the proxy dropped and the client's retry of it: the same key, and the other replica.
    private (ProxyExchange Lost, ProxyExchange Retry) LostAndRetried()
    {
        var writes = _proxy.Exchanges.Where(e => e.Request.IsWrite).ToList();
        Assert.Equal(2, writes.Count);
        var (lost, retry) = (Assert.Single(writes, w => w.Fate == "dropped"), Assert.Single(writes, w => w.Fate == "forwarded"));
        Assert.NotNull(lost.Request.IdempotencyKey);
        Assert.Equal(lost.Request.IdempotencyKey, retry.Request.IdempotencyKey);
        Assert.Equal(lost.Request.Header(ClusterGroups.Contracts.ApiHeaders.RequestDeadline), retry.Request.Header(ClusterGroups.Contracts.ApiHeaders.RequestDeadline));
        Assert.NotEqual(lost.Replica, retry.Replica);
        Assert.Equal(lost.OperationId, retry.OperationId);
        return (lost, retry);
    }

    // Exactly one journaled operation on the group carries the key, and the key's record names it; the group's other
    // operations are those it had before.
    private async Task AssertJournaledOnceAsync(string groupId, string key, string operationId, OperationKind kind, string[] before)
    {
        var journaled = await JournaledOnAsync(groupId);
        Assert.Equal([.. before, operationId], journaled.Select(e => e["operationId"]!.GetValue<string>()));
        var keyed = Assert.Single(journaled, e => e["idempotencyKey"]?["key"]?.GetValue<string>() == key);
        Assert.Equal(operationId, keyed["operationId"]!.GetValue<string>());
        Assert.Equal(KeyScope, keyed["idempotencyKey"]!["scope"]!.GetValue<string>());
        Assert.Equal(kind.ToString(), keyed["kind"]!.GetValue<string>());
        Assert.Equal($"{kind} {groupId} {operationId}", await KeyRecordAsync(key));
    }

    // The group's operations as the coordinator journals them, oldest first.
    private async Task<List<JsonNode>> JournaledOnAsync(string groupId)
    {
        var journal = _coordinator.GetDatabase();
        var entries = new List<JsonNode>();
        foreach (var id in await journal.SortedSetRangeByRankAsync($"cg:ops:group:{groupId}").WaitAsync(Wait.Request))
        {
            entries.Add(await PausedReplica.EntryAsync(journal, id.ToString()).WaitAsync(Wait.Request));
        }

        return entries;
    }

    private async Task<string?> KeyRecordAsync(string key) =>
        await _coordinator.GetDatabase().StringGetAsync($"cg:idem:{KeyScope}:{key}").WaitAsync(Wait.Request);
}
