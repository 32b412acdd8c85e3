using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Redis;
using ClusterGroups.Simulation.Keyspace;
using ClusterGroups.Tests.Coordinator;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ClusterGroups.UnitTests.Coordinator;

// The simulator's coordinator (the Redis coordinator's real scripts in the in-process keyspace) keeps every rule of the
// port (CoordinatorConformance), as the real stores do (RedisCoordinatorTests) and the in-memory coordinator.
public sealed class SimulatedCoordinatorTests : CoordinatorConformance, IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly InProcessStore _store;

    public SimulatedCoordinatorTests()
    {
        _store = new InProcessStore(_time);
        Coordinator = new RedisCoordinator(_store, Options.Create(CoordinatorSettings));
    }

    protected override ICoordinator Coordinator { get; }

    protected override Task PassAsync(TimeSpan lease)
    {
        _time.Advance(lease);
        return Task.CompletedTask;
    }

    public void Dispose() => _store.Dispose();
}
