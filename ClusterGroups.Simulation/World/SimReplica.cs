using ClusterGroups.Api.Maintenance;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Redis;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Api.Operations;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Reconciliation;
using ClusterGroups.Api.Upgrades;
using ClusterGroups.Simulation.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Simulation.World;

// One Api replica of the simulation: the Api's own wiring (AddFanOut: the real protocol, dialects, recovery,
// reconciler, operator actions), with the simulation's clock (its own offset), entropy, network to the nodes and to
// the coordinator store. Its recovery runs every Cluster:Recovery:Interval on its clock, as Recovery's background
// loop does. Crashed, it is gone with everything it held in memory; a restart is a new replica of the same name.
// It runs the protocol version installed where it runs (SimWorld.Installed): version 2 through the switch the
// rolling-upgrade test uses (Cluster:Upgrade:Protocol), reading and writing the journal as that version does.
public sealed class SimReplica : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public SimReplica(SimWorld world, string name, int incarnation, IReadOnlyList<string> nodeOrder, TimeSpan clockOffset)
    {
        Name = name;
        Version = world.Installed.GetValueOrDefault(name, ProtocolVersions.Current);
        Actor = new SimActor(world.Scheduler, name);
        Clock = new SimClock(Actor, world.Epoch, clockOffset);
        var settings = new Dictionary<string, string?>(world.ApiSettings);
        if (Version != ProtocolVersions.Current)
        {
            settings[$"{UpgradeOptions.Section}:Protocol"] = Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        for (var i = 0; i < nodeOrder.Count; i++)
        {
            settings[$"Cluster:Nodes:{i}"] = $"http://{nodeOrder[i]}";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton<Entropy>(new SimEntropy(world.Scheduler.Random, $"{name}.{incarnation}"));
        services.AddOptions<UpgradeOptions>().Bind(configuration.GetSection(UpgradeOptions.Section));
        services.AddSingleton<ReplicaVersions>();
        services.AddSingleton<ICoordinator>(sp => world.Plant.CoordinatorFor(new RedisCoordinator(
            new SimStoreClient(Actor, world.Network, world.CoordinatorStore, TimeSpan.FromSeconds(5), (script, args) => world.Buggify(this, script, args),
                new StoreCaller(name, Version), world.Plant),
            sp.GetRequiredService<IOptions<CoordinatorOptions>>(),
            world.Plant.JournalFor(ProtocolVersions.JournalReads(sp.GetRequiredService<IOptions<UpgradeOptions>>().Value.Protocol ?? ProtocolVersions.Current)),
            // The Api's group commit toward the coordinator (Cluster:Batching), as it runs: the store expands a batch.
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Batching)));
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
        services.TryAddSingleton<MembershipGate>();
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
        Versions = _services.GetRequiredService<ReplicaVersions>();
        Upgrade = _services.GetRequiredService<IOptions<UpgradeOptions>>().Value;
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
    public ReplicaVersions Versions { get; }
    public UpgradeOptions Upgrade { get; }
    public TimeSpan Interval { get; }

    // The protocol version this replica runs (ProtocolVersions).
    public int Version { get; }

    public bool Alive => !Actor.Crashed;

    // Recovery's loop: a round at once, then one every Interval, a failed round tried again next time. A round that
    // fails on an entry a newer replica wrote breaks the upgrade's rule (an older replica leaves it): reported.
    public void StartRecovery(SimTrace trace, Action<string, NewerJournalEntryException> leftNewer) => Actor.Start<bool>(async () =>
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
            catch (NewerJournalEntryException e)
            {
                trace.Add(Name, $"recovery round failed: {e.Message}");
                leftNewer(Name, e);
            }

            await Task.Delay(Interval, Clock);
        }
    });

    // ReplicaAnnouncer's loop: this replica's version in the coordinator at start and every AnnounceInterval, until
    // the replica stops.
    public void StartAnnouncing(SimTrace trace) => Actor.Start<bool>(async () =>
    {
        while (!_stopping)
        {
            _announcing = AnnounceAsync(trace);
            await _announcing;
            await Task.Delay(Upgrade.AnnounceInterval, Clock);
        }

        return true;
    });

    private bool _stopping;

    // The announcement in flight, if any: a stop withdraws only once it has landed (or failed).
    private Task _announcing = Task.CompletedTask;

    private async Task AnnounceAsync(SimTrace trace)
    {
        try
        {
            await Coordinator.AnnounceAsync(Versions.Self, Upgrade.AnnouncementLifetime, CancellationToken.None);
        }
        catch (CoordinatorStoreException e)
        {
            trace.Add(Name, $"announcement failed: {e.Message}");
        }
    }

    // A graceful stop (SIGTERM), as ReplicaAnnouncer.StopAsync does it: the announcing loop ends (after the announcement
    // in flight, if any: one landing after the withdraw would count the stopped replica until it expires), then the
    // announcement is withdrawn, then the process is gone; what it ran stays open for another replica's recovery, as
    // ReplicaStoppingHandler answers. A withdraw that fails leaves the announcement to expire.
    public void Stop(SimTrace trace) => Actor.Start(async () =>
    {
        _stopping = true;
        await _announcing;
        try
        {
            await Coordinator.WithdrawAsync(Versions.Self.Replica, CancellationToken.None);
            trace.Add(Name, "stopped: announcement withdrawn");
        }
        catch (CoordinatorStoreException e)
        {
            trace.Add(Name, $"stopped: withdraw failed ({e.Message})");
        }

        Actor.Crash();
        return true;
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
