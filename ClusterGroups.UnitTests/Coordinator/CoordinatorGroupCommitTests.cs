using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Redis;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Simulation.Keyspace;
using ClusterGroups.Storage;
using ClusterGroups.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClusterGroups.UnitTests.Coordinator;

// Group commit toward the coordinator with the Api's default settings (Cluster:Batching as shipped): starts that come
// while one is in flight go to the store together, as one script, and each is answered as its own. The store is the
// simulator's keyspace running the coordinator's real scripts; the first request is held there until the others queue.
public sealed class CoordinatorGroupCommitTests : IDisposable
{
    private readonly InProcessStore _keyspace = new();

    [Fact]
    public async Task Starts_that_queue_behind_one_in_flight_go_to_the_store_as_one_request_with_the_default_settings()
    {
        var store = new HeldStore(_keyspace);
        var coordinator = new RedisCoordinator(store, Options.Create(new CoordinatorOptions()), batching: new BatchingOptions());
        var ops = Enumerable.Range(0, 6).Select(i => NewOperation($"commit-{i}-{Guid.NewGuid():N}"[..24])).ToList();

        var first = StartAsync(coordinator, ops[0]);
        await store.FirstArrived.Task.WaitAsync(Wait.Request);
        var queued = ops.Skip(1).Select(op => StartAsync(coordinator, op)).ToList();
        // None of them reached the store while the first is held: they wait for it.
        Assert.Equal(1, store.Requests);

        store.Release.SetResult();
        var answers = await Task.WhenAll([first, .. queued]).WaitAsync(Wait.Request);

        Assert.Equal(2, store.Requests);
        Assert.All(answers, a => Assert.Equal(new LeaseAnswer.Taken(null, false, Begun: true), a));
        foreach (var op in ops)
        {
            Assert.Equal(op.Id, (await coordinator.LastForGroupAsync(op.GroupId, CancellationToken.None))?.Id);
        }
    }

    private static Task<LeaseAnswer> StartAsync(RedisCoordinator coordinator, OperationState op)
    {
        op.Lease("replica-a", 1, DateTimeOffset.UtcNow);
        return coordinator.AcquireAsync(new LeaseRequest(op.GroupId, "replica-a", 1, TimeSpan.FromSeconds(5)), op, CancellationToken.None);
    }

    private static OperationState NewOperation(string groupId) =>
        new(new Operation($"op-{Guid.NewGuid():N}", OperationKind.Create, groupId), [new NodeProgress("n1"), new NodeProgress("n2")], caller: "tester");

    public void Dispose() => _keyspace.Dispose();

    // Counts the scripts sent and holds the first one until released; concurrent callers (thread-safe counter).
    private sealed class HeldStore(IRedisStore inner) : IRedisStore
    {
        private int _requests;

        public TaskCompletionSource FirstArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Requests => Volatile.Read(ref _requests);

        public async Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args)
        {
            if (Interlocked.Increment(ref _requests) == 1)
            {
                FirstArrived.SetResult();
                await Release.Task.WaitAsync(Wait.Request);
            }

            return await inner.EvaluateAsync(script, keys, args);
        }

        public Task<RedisResult> ExecuteAsync(string command, params RedisValue[] args) => inner.ExecuteAsync(command, args);
    }
}
