using ClusterGroups.Simulation.Keyspace;
using ClusterGroups.Simulation.Runtime;

namespace ClusterGroups.Simulation.World;

// Everything one simulated run has: the scheduler, the network, the nodes, the coordinator store and the Api replicas,
// as drawn from the run's seed (SimSettings).
public sealed class SimWorld
{
    public SimWorld(SimSettings settings, Plant plant, bool keepTrace)
    {
        Settings = settings;
        Plant = plant;
        Scheduler = new SimScheduler(new Random(settings.Seed));
        Trace = new SimTrace(Scheduler, keepTrace);
        Network = new SimNetwork(Scheduler, Trace);
        var storeClock = new SimClock(Scheduler.Environment, Epoch, TimeSpan.Zero);
        Nodes = Enumerable.Range(1, settings.Nodes)
            .Select(i => new SimNode($"n{i}.sim", new InProcessStore(storeClock), seed: settings.SeedNodes.Contains(i), Scheduler)
            {
                IgnoresFence = plant.Is(Plant.NodeIgnoresFence),
                BatchFencesOnce = plant.Is(Plant.NodeBatchFencesOnce),
            })
            .ToDictionary(n => n.Name, StringComparer.OrdinalIgnoreCase);
        CoordinatorStore = new SimStore("coordinator", new InProcessStore(storeClock), Scheduler);
        ApiSettings = new Dictionary<string, string?>
        {
            // Settings drawn per run, as an operator may set them (FoundationDB randomizes its knobs the same way).
            ["Cluster:Resilience:AttemptTimeout"] = settings.AttemptTimeout.ToString("c"),
            ["Cluster:Resilience:MinAttemptTimeout"] = "00:00:00.250",
            ["Cluster:Resilience:MaxAttempts"] = settings.MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:Resilience:BaseDelay"] = "00:00:00.100",
            ["Cluster:Resilience:LockTimeout"] = "00:00:30",
            ["Cluster:Coordinator:LeaseDuration"] = settings.LeaseDuration.ToString("c"),
            ["Cluster:Recovery:Interval"] = "00:00:02",
            // Batching toward our nodes (on by default, BatchingOptions): the simulator checks it on whatever the default.
            ["Cluster:Batching:Enabled"] = "true",
            // And toward the coordinator (off by default): the simulator checks its batches item by item.
            ["Cluster:Batching:Coordinator"] = "true",
        };
    }

    // Simulated time 0 on every clock without an offset.
    public DateTimeOffset Epoch { get; } = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    public SimSettings Settings { get; }
    public Plant Plant { get; }
    public SimScheduler Scheduler { get; }
    public SimTrace Trace { get; }

    // Reconciler rounds that ended (SimChaos) and the repairs they made: how often the run's last lines say they ran.
    public int ReconcilerRounds { get; set; }

    public int Repairs { get; set; }
    public SimNetwork Network { get; }
    public IReadOnlyDictionary<string, SimNode> Nodes { get; }
    public SimStore CoordinatorStore { get; }
    public Dictionary<string, string?> ApiSettings { get; }
    public List<SimReplica> Replicas { get; } = [];

    // The protocol version installed where each replica runs (by name): what it starts as, after a crash too. The
    // rolling upgrade (SimUpgrade) moves each one to the current version.
    public Dictionary<string, int> Installed { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> NodeNames => [.. Nodes.Keys];

    // Faults placed where they hurt most (FoundationDB's "buggify"), each at its run's rate: a replica paused right
    // after it saved the progress of a running operation (the save before a rollback's first undo, or a seed node's
    // read before its write), or right after an undo write was answered, for up to three leases: another replica may
    // take the operation over meanwhile, while this one's next writes are still to come.
    public void Buggify(SimReplica replica, string script, StackExchange.Redis.RedisValue[] args)
    {
        if (Plant.Is(Plant.CoordinatorForgetsKeys) && script is "CoordinatorScripts.Start" or "CoordinatorScripts.Begin")
        {
            var keys = (StackExchange.Redis.RedisValue[])CoordinatorStore.Execute("KEYS", ["cg:idem:*"]).Result!;
            if (keys.Length > 0)
            {
                CoordinatorStore.Execute("DEL", keys);
            }
        }

        if (script == "CoordinatorScripts.Save" && args[4].ToString() == "" && args[7].ToString() == "1")
        {
            MaybePause(replica, Settings.PauseAtSaveRate, "after its progress save");
        }
    }

    public void BuggifyUndo(SimReplica replica) => MaybePause(replica, Settings.PauseAfterUndoRate, "after an undo write");

    // A node that crashes right after it applied a write, before its answer left: the writer learns nothing for a while.
    public bool BuggifyCrashAfterApply(SimNode node)
    {
        if (node.Down || Scheduler.Random.NextDouble() >= Settings.CrashAfterApplyRate)
        {
            return false;
        }

        var length = TimeSpan.FromMilliseconds(500 + Scheduler.Random.Next(30_000));
        Trace.Add("chaos", $"{node.Name} crashes after applying, down for {length.TotalSeconds:0.0}s");
        node.Down = true;
        Scheduler.Timer(Scheduler.Environment, () =>
        {
            Trace.Add("chaos", $"{node.Name} up");
            node.Down = false;
        }, length, TimeSpan.Zero);
        return true;
    }

    private void MaybePause(SimReplica replica, double rate, string where)
    {
        if (replica.Actor.Paused || Healed || Scheduler.Random.NextDouble() >= rate)
        {
            return;
        }

        var length = Settings.LeaseDuration * (0.5 + Scheduler.Random.NextDouble() * 2.5);
        Trace.Add("chaos", $"pause {replica.Name} {where}, for {length.TotalSeconds:0.0}s");
        replica.Actor.Pause();
        Scheduler.Timer(Scheduler.Environment, () =>
        {
            Trace.Add("chaos", $"resume {replica.Name}");
            replica.Actor.Resume();
        }, length, TimeSpan.Zero);
    }

    // Once set, no more faults.
    public bool Healed { get; set; }
}
