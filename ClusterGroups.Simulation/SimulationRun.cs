using ClusterGroups.Api.Upgrades;
using ClusterGroups.Simulation.Checks;
using ClusterGroups.Simulation.World;

namespace ClusterGroups.Simulation;

// One run of the simulation from one seed: the world the seed draws (SimSettings), the clients' operations under the
// run's faults, then every fault healed until recovery has closed what was open, then the invariants. The same seed
// gives the same run, step for step, and the same trace, byte for byte.
public static class SimulationRun
{
    private static readonly TimeSpan WorkloadLimit = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan QuietLimit = TimeSpan.FromMinutes(20);

    public static SimResult Execute(int seed, Plant plant, bool keepTrace = false) => Execute(SimSettings.Draw(seed), plant, keepTrace);

    public static SimResult Execute(SimSettings settings, Plant plant, bool keepTrace = false)
    {
        var seed = settings.Seed;
        var world = new SimWorld(settings, plant, keepTrace);
        var invariants = new Invariants(world);
        world.Trace.Add("sim", settings.ToString());
        world.Trace.Add("sim", $"plant: {plant}");
        world.Network.Faults = settings.Network;
        world.CoordinatorStore.Served += invariants.AtScript;

        SimReplica Start(string name, int incarnation, IReadOnlyList<string> order, TimeSpan offset)
        {
            var replica = new SimReplica(world, name, incarnation, order, offset);
            world.Replicas.Add(replica);
            replica.StartRecovery(world.Trace, invariants.AtRecoveryRoundFailed);
            if (settings.Upgrades)
            {
                // Announcements only where versions differ: the other runs stay what they were before them.
                replica.StartAnnouncing(world.Trace);
            }

            return replica;
        }

        for (var r = 1; r <= settings.Replicas; r++)
        {
            world.Installed[$"api{r}"] = r <= settings.OldReplicas ? ProtocolVersions.Oldest : ProtocolVersions.Current;
            Start($"api{r}", 1, world.NodeNames, TimeSpan.Zero);
        }

        var chaos = new SimChaos(world, Start);
        chaos.Start();
        var upgrade = new SimUpgrade(world, chaos);
        if (settings.Upgrades)
        {
            upgrade.Start();
        }

        var clients = Enumerable.Range(1, settings.Clients).Select(c => new SimClient(world, invariants, $"client{c}")).ToList();
        clients.ForEach(c => c.Start());

        world.Scheduler.Run(() => clients.All(c => c.Done), WorkloadLimit);
        chaos.Heal();
        var quietBy = world.Scheduler.Now + QuietLimit;
        if (settings.Upgrades)
        {
            // The rolling upgrade ends before the heal's rejoin, which the gate would refuse while older replicas live.
            world.Scheduler.Run(() => upgrade.Done, quietBy);
        }

        if (settings.MembershipRate > 0)
        {
            chaos.RejoinAll(rounds: 20);
        }

        world.Scheduler.Run(() => OpenOperations(world) == 0 && (settings.MembershipRate == 0 || chaos.MembershipSettled), quietBy);
        world.Trace.Add("sim", $"quiet at {world.Scheduler.Now.TotalSeconds:0.000}s; {OpenOperations(world)} open; " +
            $"coordinator batches {world.CoordinatorStore.Batches} ({world.CoordinatorStore.BatchedItems} writes)");
        invariants.AtQuiescence();
        if (settings.Upgrades)
        {
            world.Trace.Add("sim", $"upgrade: gate refused {chaos.GateRefusals} membership change(s); protocol-2 writes {invariants.OlderWrites}");
        }

        var failures = new List<string>();
        if (world.Scheduler.Escape is { } escape)
        {
            failures.Add($"the simulation lost control: {escape}");
        }

        foreach (var actor in world.Replicas.Select(r => r.Actor).Concat(clients.Select(c => c.Actor)).Append(chaos.Actor).Append(upgrade.Actor)
                     .Append(world.Scheduler.Environment))
        {
            if (actor.Failure is { } failure)
            {
                failures.Add($"{actor.Name} threw: {failure}");
            }
        }

        if (settings.Upgrades && (!upgrade.Done || world.Replicas.Any(r => r.Alive && r.Version != ProtocolVersions.Current)))
        {
            failures.Add($"the rolling upgrade did not finish: {string.Join(", ", world.Replicas.Where(r => r.Alive).Select(r => $"{r.Name} runs {r.Version}"))}");
        }

        if (!clients.All(c => c.Done))
        {
            failures.Add($"the clients did not finish within {WorkloadLimit.TotalMinutes:0} simulated minutes");
        }

        failures.AddRange(invariants.Violations);

        return new SimResult(seed, settings, plant, failures, world.Trace.ToString(), world.Scheduler.Steps, world.Scheduler.Now,
            invariants.AnswersChecked, world.CoordinatorStore.Begun.Count)
        {
            CoordinatorBatches = world.CoordinatorStore.Batches,
            CoordinatorBatchedItems = world.CoordinatorStore.BatchedItems,
            NodeBatches = world.Nodes.Values.Sum(n => n.Batches),
            NodeBatchedItems = world.Nodes.Values.Sum(n => n.BatchedItems),
            ReconcilerRounds = world.ReconcilerRounds,
            Repairs = world.Repairs,
        };
    }

    private static int OpenOperations(SimWorld world) => (int)(long)world.CoordinatorStore.Execute("SCARD", ["cg:ops:open"]).Result!;
}

public sealed record SimResult(
    int Seed, SimSettings Settings, Plant Plant, IReadOnlyList<string> Failures, string Trace, long Steps, TimeSpan SimulatedTime,
    int AnswersChecked, int Operations)
{
    public bool Passed => Failures.Count == 0;

    // Batches of the coordinator's scripts the replicas sent (group commit), and the writes they carried.
    public int CoordinatorBatches { get; init; }
    public int CoordinatorBatchedItems { get; init; }

    // Batch requests of more than one write the nodes served (each in one store script, StoreBatch), and their writes.
    public int NodeBatches { get; init; }
    public int NodeBatchedItems { get; init; }

    // Reconciler rounds that ended in the run, and the repairs they made.
    public int ReconcilerRounds { get; init; }
    public int Repairs { get; init; }

    public string Replay => $"dotnet run -c Release --project ClusterGroups.Simulation -- --seed {Seed}{(Plant.Name is { } p ? $" --plant {p}" : "")}" +
        $"{(Settings.Profile.Contains("all-faults", StringComparison.Ordinal) ? " --all-faults" : "")}" +
        $"{(Settings.Profile.Contains("crowd", StringComparison.Ordinal) ? " --crowd" : "")}{(Settings.Audit ? " --audit" : "")} --trace";

    public override string ToString() =>
        $"seed {Seed} ({Plant}): {(Passed ? "passed" : $"FAILED, {Failures.Count} violation(s)")}; {Operations} operations, " +
        $"{AnswersChecked} answers checked, {Steps} steps, {SimulatedTime.TotalSeconds:0.0} simulated s" +
        (Passed ? "" : $"\n  {string.Join("\n  ", Failures.Take(5))}\n  replay: {Replay}");
}
