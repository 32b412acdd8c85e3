using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.InMemory;
using ClusterGroups.Tests.Coordinator;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ClusterGroups.UnitTests.Coordinator;

// The coordinator of an Api without a coordinator store keeps every rule of the port (CoordinatorConformance), on its
// clock: here a fake one, advanced past a lease.
public sealed class InMemoryCoordinatorTests : CoordinatorConformance
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public InMemoryCoordinatorTests() => Coordinator = new InMemoryCoordinator(_time, Options.Create(CoordinatorSettings));

    protected override ICoordinator Coordinator { get; }

    protected override Task PassAsync(TimeSpan lease)
    {
        _time.Advance(lease);
        return Task.CompletedTask;
    }
}
