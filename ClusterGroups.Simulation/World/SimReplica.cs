using ClusterGroups.Api.Maintenance;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Redis;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Api.Operations;
using ClusterGroups.Api.Reconciliation;
using ClusterGroups.Simulation.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Simulation.World;

// One Api replica of the simulation: the Api's own wiring (AddFanOut: the real protocol, dialects, recovery,
// reconciler, operator actions), with the simulation's clock (its own offset), entropy, network to the nodes and to
// the coordinator store. Its recovery runs every Cluster:Recovery:Interval on its clock, as Recovery's background
// loop does. Crashed, it is gone with everything it held in memory; a restart is a new replica of the same name.
public sealed class SimReplica : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public SimReplica(SimWorld world, string name, int incarnation, IReadOnlyList<string> nodeOrder, TimeSpan clockOffset)
    {
        Name = name;
        Actor = new SimActor(world.Scheduler, name);
        Clock = new SimClock(Actor, world.Epoch, clockOffset);
        var settings = new Dictionary<string, string?>(world.ApiSettings);
        for (var i = 0; i < nodeOrder.Count; i++)
        {
            settings[$"Cluster:Nodes:{i}"] = $"http://{nodeOrder[i]}";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton<Entropy>(new SimEntropy(world.Scheduler.Random, $"{name}.{incarnation}"));
        services.AddSingleton<ICoordinator>(sp => new RedisCoordinator(
            new SimStoreClient(Actor, world.Network, world.CoordinatorStore, TimeSpan.FromSeconds(5), (script, args) => world.Buggify(this, script, args)),
            sp.GetRequiredService<IOptions<CoordinatorOptions>>()));
        // The Api's own batching toward keyed nodes (Cluster:Batching), over the simulated network.
        services.AddSingleton(sp => new SimNodeClient(Actor, world, this, sp.GetRequiredService<NodeLatency>(), Clock));
        services.AddSingleton<INodeClient>(sp => new BatchingNodeClient(
            sp.GetRequiredService<SimNodeClient>(), sp.GetRequiredService<SimNodeClient>(), sp.GetRequiredService<NodeLatency>(), Clock,
            sp.GetRequiredService<IOptions<ClusterOptions>>(), sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        // The joining nodes' bulk copy sends its batches straight, as the Api's does.
        services.AddSingleton<INodeBatchClient>(sp => sp.GetRequiredService<SimNodeClient>());
        services.AddSingleton<IHostApplicationLifetime, SimLifetime>();
        world.Plant.Configure(services);
        services.AddFanOut(configuration);
        services.AddSingleton<Reconciler>();
        services.AddSingleton<OperationActions>();
        services.AddSingleton<MembershipChanges>();
        services.AddSingleton<JoiningCopy>();
        services.AddSingleton<JoinBackfill>();
        _services = services.BuildServiceProvider();
        Protocol = _services.GetRequiredService<FanOutProtocol>();
        Recovery = _services.GetRequiredService<Recovery>();
        Reconciler = _services.GetRequiredService<Reconciler>();
        Actions = _services.GetRequiredService<OperationActions>();
        Coordinator = _services.GetRequiredService<ICoordinator>();
        Membership = _services.GetRequiredService<MembershipChanges>();
        Backfill = _services.GetRequiredService<JoinBackfill>();
        Interval = _services.GetRequiredService<IOptions<RecoveryOptions>>().Value.Interval;
    }

    public string Name { get; }
    public SimActor Actor { get; }
    public SimClock Clock { get; }
    public FanOutProtocol Protocol { get; }
    public Recovery Recovery { get; }
    public Reconciler Reconciler { get; }
    public OperationActions Actions { get; }
    public ICoordinator Coordinator { get; }
    public MembershipChanges Membership { get; }
    public JoinBackfill Backfill { get; }
    public TimeSpan Interval { get; }

    public bool Alive => !Actor.Crashed;

    // Recovery's loop: a round at once, then one every Interval, a failed round tried again next time.
    public void StartRecovery(SimTrace trace) => Actor.Start<bool>(async () =>
    {
        while (true)
        {
            try
            {
                var closed = await Recovery.RunOnceAsync(CancellationToken.None);
                if (closed > 0)
                {
                    trace.Add(Name, $"recovery closed {closed} operation(s)");
                }
            }
            catch (Exception e) when (e is CoordinatorStoreException or CoordinatorFencedException)
            {
                trace.Add(Name, $"recovery round failed: {e.GetType().Name}");
            }

            await Task.Delay(Interval, Clock);
        }
    });

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private sealed class SimLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
