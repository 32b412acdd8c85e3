using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Redis;
using ClusterGroups.Storage;
using ClusterGroups.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClusterGroups.Tests.Coordinator;

// The Redis coordinator on the app's own coordinator store (Garnet, as the AppHost runs it) keeps every rule of the
// port (CoordinatorConformance): leases expire on the store's clock, waited for here.
[Collection(ClusterCollection.Name)]
public sealed class RedisCoordinatorTests(ClusterFixture cluster) : CoordinatorConformance, IAsyncLifetime
{
    private IConnectionMultiplexer? _connection;

    protected override ICoordinator Coordinator =>
        new RedisCoordinator(new RedisStore(_connection!), Options.Create(CoordinatorSettings));

    public async Task InitializeAsync() => _connection = await cluster.ConnectCoordinatorAsync();

    public Task DisposeAsync()
    {
        _connection?.Dispose();
        return Task.CompletedTask;
    }

    // The store judges expiry by its own clock: the lease is gone once that much real time has passed.
    protected override Task PassAsync(TimeSpan lease) => Task.Delay(lease);
}
