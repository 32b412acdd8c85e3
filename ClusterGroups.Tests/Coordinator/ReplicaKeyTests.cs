using System.Collections.Concurrent;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Coordinator;

// One Idempotency-Key sent by many copies at once, spread over both Api replicas: the key is checked and recorded in
// the coordinator's start step, so exactly one operation starts; every copy is answered with it (201 once it is
// committed, 409 "in progress" with its operationId while it runs, 202 from a copy whose run was taken over).
[Collection(ReplicatedApiCollection.Name)]
public sealed class ReplicaKeyTests(ReplicatedApiFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    [Fact]
    public async Task Concurrent_copies_of_one_keyed_create_on_two_replicas_start_one_operation()
    {
        var id = $"rk-{Guid.NewGuid():N}";
        var key = $"key-{Guid.NewGuid():N}";
        var answers = new ConcurrentBag<(HttpStatusCode Status, string? OperationId, string? Outcome)>();

        // A connection each (Connection: close), so the proxy spreads the copies over both replicas.
        using var start = new SemaphoreSlim(0);
        var copies = Enumerable.Range(0, 8).Select(async _ =>
        {
            var api = cluster.Api();
            api.DefaultRequestHeaders.ConnectionClose = true;
            await start.WaitAsync(Wait.Request);
            var response = await api.WriteAsync(HttpMethod.Post, id, key);
            var body = await response.JsonAsync();
            answers.Add((response.StatusCode, body["operationId"]?.GetValue<string>(), body["outcome"]?.GetValue<string>()));
        }).ToList();
        start.Release(copies.Count);
        await Task.WhenAll(copies).WaitAsync(Wait.Request);

        var operations = await cluster.OperationsOnAsync(id);
        var operation = Assert.Single(operations);
        Assert.All(answers, a => Assert.Equal(operation, a.OperationId));
        // 202 Running: the copy that began it lost its lease to the other replica (a slow machine) and answers "taken over".
        Assert.All(answers, a => Assert.True(
            a is (HttpStatusCode.Created, _, "Committed") or (HttpStatusCode.Conflict, _, "Running") or (HttpStatusCode.Accepted, _, "Running"),
            $"{a.Status} {a.Outcome}"));
        Assert.Contains(answers, a => a.Status == HttpStatusCode.Created);
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(id));
    }
}
