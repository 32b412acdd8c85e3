using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Redis;
using ClusterGroups.Storage;
using ClusterGroups.Tests.Storage;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Tests.Coordinator;

// The Redis coordinator on a Garnet run with the coordinator's arguments as the AppHost gives them keeps every rule of
// the port (CoordinatorConformance): leases expire on the store's clock, waited for here. A store of its own, not the
// app's: there the Api's recovery takes over an operation a case leaves open once its lease expires (with a token of
// its own, above the case's), which the conformance cases must not race with.
[Collection(RealStoresCollection.Name)]
public sealed class RedisCoordinatorTests(RealStoresFixture stores) : CoordinatorConformance
{
    protected override ICoordinator Coordinator =>
        new RedisCoordinator(new RedisStore(stores.CoordinatorGarnet.Connection), Options.Create(CoordinatorSettings));

    // The store judges expiry by its own clock: the lease is gone once that much real time has passed.
    protected override Task PassAsync(TimeSpan lease) => Task.Delay(lease);
}
