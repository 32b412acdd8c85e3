namespace ClusterGroups.Simulation.World;

// The shape of one run, drawn from its seed: how many nodes (which behave like the seed's Flask nodes), replicas,
// clients and groups, how many operations, the lease's duration, and which faults (each kind on or off, with its rate).
public sealed record SimSettings(
    int Seed,
    int Nodes,
    IReadOnlySet<int> SeedNodes,
    int Replicas,
    int Clients,
    int Groups,
    int OperationsPerClient,
    TimeSpan LeaseDuration,
    int MaxAttempts,
    TimeSpan AttemptTimeout,
    NetworkFaults Network,
    double PauseRate,
    double CrashRate,
    double NodeDownRate,
    double StoreDownRate,
    double ClockSkewRate,
    double RetryRate,
    double ReorderRate,
    double PauseAtSaveRate,
    double PauseAfterUndoRate,
    double CrashAfterApplyRate,
    string Profile = "drawn",
    double AbandonRate = 0,
    bool Keyed = false,
    double MembershipRate = 0,
    int OldReplicas = 0,
    bool Audit = false)
{
    public static SimSettings Draw(int seed)
    {
        var random = new Random(seed ^ 0x5A17);
        double Maybe(double max) => random.NextDouble() < 0.5 ? 0 : random.NextDouble() * max;
        var settings = new SimSettings(
            seed,
            Nodes: random.Next(2, 5),
            SeedNodes: new HashSet<int>(),
            Replicas: random.Next(1, 4),
            Clients: random.Next(1, 5),
            Groups: random.Next(1, 4),
            OperationsPerClient: random.Next(3, 15),
            LeaseDuration: TimeSpan.FromSeconds(random.Next(3, 11)),
            MaxAttempts: random.Next(2, 5),
            AttemptTimeout: TimeSpan.FromMilliseconds(random.Next(500, 2_001)),
            Network: random.NextDouble() < 0.15 ? NetworkFaults.None : NetworkFaults.Draw(random),
            PauseRate: Maybe(0.5),
            CrashRate: Maybe(0.3),
            NodeDownRate: Maybe(0.4),
            StoreDownRate: Maybe(0.15),
            ClockSkewRate: Maybe(0.3),
            RetryRate: Maybe(0.3),
            ReorderRate: Maybe(0.3),
            PauseAtSaveRate: Maybe(0.5),
            PauseAfterUndoRate: Maybe(0.5),
            CrashAfterApplyRate: Maybe(0.2));

        // Drawn last, so that the draws above stay what they were for every seed. In one run of four, one node is the
        // seed's (it ignores keys and tokens): the weaker rule that holds for it is checked too.
        if (random.NextDouble() < 0.25)
        {
            settings = settings with { SeedNodes = new HashSet<int> { random.Next(settings.Nodes) } };
        }

        // Of the operator's actions on an open operation, the share that are abandons rather than retries.
        settings = settings with { AbandonRate = random.NextDouble() < 0.3 ? 0.5 : 0 };

        // In half the runs the callers send an Idempotency-Key with every request and send it again, with the same key,
        // when no answer came or the Api could not start it (as ClusterGroups.Client does); in the others they never
        // retry, so those runs are what they were before keys.
        settings = settings with { Keyed = random.NextDouble() < 0.5 };

        // In a third of the runs an operator drains nodes and brings them back (and the rejoined node is backfilled)
        // while the callers write: membership changes with epochs (issue 28). Drawn last, as the ones above.
        settings = settings with { MembershipRate = random.NextDouble() < 0.33 ? 0.3 + random.NextDouble() * 0.7 : 0 };

        // In a third of the runs some replicas start as the previous version (protocol 2) and are upgraded one by one
        // while the callers write: mixed versions and a rolling upgrade (issue 28, SimUpgrade). Drawn last.
        return settings with { OldReplicas = random.NextDouble() < 0.33 ? random.Next(1, settings.Replicas + 1) : 0 };
    }

    public bool Upgrades => OldReplicas > 0;

    // Every kind of fault on, at a rate that shows each of them in a short run: what the determinism test replays.
    public static SimSettings AllFaults(int seed) => Draw(seed) with
    {
        Profile = "all-faults",
        Nodes = 3,
        Replicas = 3,
        Clients = 3,
        Groups = 2,
        OperationsPerClient = 12,
        Network = new NetworkFaults(0.05, 0.05, 0.1, 0.15, TimeSpan.FromSeconds(20)),
        PauseRate = 0.4,
        CrashRate = 0.3,
        NodeDownRate = 0.3,
        StoreDownRate = 0.1,
        ClockSkewRate = 0.6,
        RetryRate = 0.6,
        ReorderRate = 1,
        PauseAtSaveRate = 0.5,
        PauseAfterUndoRate = 0.5,
        CrashAfterApplyRate = 0.3,
        AbandonRate = 0.3,
        Keyed = true,
        MembershipRate = 0.6,
        OldReplicas = 1,
    };

    // Many callers on many groups, with the seed's drawn faults: a replica's writes toward a node and toward the
    // coordinator queue behind the request in flight, so the group commit's batches carry several items (aborts and
    // takeovers among them) into every fault the draw switched on. Drawn runs rarely batch toward a node (1 to 4 callers
    // on 1 to 3 groups). Its own generator, so Draw(seed) stays what it was.
    public static SimSettings Crowd(int seed) => Draw(seed).Crowded();

    // These settings with the crowd's callers and groups (`--crowd`, with `--all-faults` too).
    public SimSettings Crowded()
    {
        var random = new Random(Seed ^ 0xC70D);
        return this with
        {
            Profile = Profile == "drawn" ? "crowd" : $"{Profile} crowd",
            Clients = random.Next(6, 13),
            Groups = random.Next(4, 13),
            OperationsPerClient = random.Next(4, 11),
        };
    }

    // These settings with every reconciler round also comparing the nodes with the journal's desired state (`--audit`:
    // ConsistencyCheck's againstJournal), so the audit's repairs run into every fault the draw switched on. Nothing
    // else changes: the seed's draw and its schedule up to the first reconciler round stay what they were.
    public SimSettings Audited() => this with { Profile = $"{Profile} audit", Audit = true };

    public override string ToString() =>
        $"seed {Seed}: {Nodes} nodes ({(SeedNodes.Count == 0 ? "all ours" : $"n{string.Join(",n", SeedNodes)} the seed's")}), {Replicas} replicas, {Clients} clients x {OperationsPerClient} ops on {Groups} groups, " +
        $"lease {LeaseDuration.TotalSeconds:0}s, {MaxAttempts} attempts of at most {AttemptTimeout.TotalMilliseconds:0} ms, network {Network}, pause {PauseRate:0.00}, crash {CrashRate:0.00}, " +
        $"node down {NodeDownRate:0.00}, store down {StoreDownRate:0.00}, skew {ClockSkewRate:0.00}, retry {RetryRate:0.00} (abandon {AbandonRate:0.00}), membership {MembershipRate:0.00}, reorder {ReorderRate:0.00}, " +
        $"pause at a progress save {PauseAtSaveRate:0.00}, after an undo {PauseAfterUndoRate:0.00}, node crash after apply {CrashAfterApplyRate:0.00}" +
        (Keyed ? ", callers send Idempotency-Keys and retry" : "") +
        (Upgrades ? $", {OldReplicas} replica(s) start at protocol 2 and are upgraded one by one" : "");
}
