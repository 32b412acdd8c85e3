using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Errors;
using ClusterGroups.Api.Maintenance;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Reconciliation;
using ClusterGroups.Api.Upgrades;
using ClusterGroups.Simulation.Runtime;
using StackExchange.Redis;

namespace ClusterGroups.Simulation.World;

// The faults of a run besides the network's, at random moments drawn from the seed, each kind at its run's rate:
// a replica paused (SIGSTOP) for up to three leases and resumed; a replica crashed (kill -9) and restarted later,
// maybe with its nodes listed in another order; a node down and up again; the coordinator store down for a while;
// a replica's clock set off; an operator's retry or abandon of an open operation; a reconciler round (report policy, as the
// background one). Heal ends every fault and brings every replica back.
public sealed class SimChaos(SimWorld world, Func<string, int, IReadOnlyList<string>, TimeSpan, SimReplica> start)
{
    private readonly Dictionary<string, int> _incarnations = [];

    public SimActor Actor { get; } = new(world.Scheduler, "chaos");

    public bool Stopped { get; set; }

    private Random Random => world.Scheduler.Random;

    // Retry or abandon: drawn apart from the scheduler's sequence, so that runs without abandons stay what they were.
    private readonly Random _operatorChoice = new(world.Settings.Seed ^ 0x0AB0);
    private readonly Random _membershipChoice = new(world.Settings.Seed ^ 0x3E3B);
    private SimSettings Settings => world.Settings;
    private TimeSpan Lease => Settings.LeaseDuration;

    public void Start() => Actor.Start<bool>(async () =>
    {
        var clock = new SimClock(Actor, world.Epoch, TimeSpan.Zero);
        while (!Stopped)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200 + Random.Next(4_000)), clock);
            if (!Stopped)
            {
                Strike();
            }
        }

        return true;
    });

    private void Strike()
    {
        var alive = world.Replicas.Where(r => r.Alive).ToList();
        // An operator's membership change, besides the faults: drawn apart from the scheduler's sequence, so that runs
        // without membership changes stay what they were.
        if (Settings.MembershipRate > 0 && _membershipChoice.NextDouble() < Settings.MembershipRate / 3 && alive.Count > 0)
        {
            var maintaining = alive[_membershipChoice.Next(alive.Count)];
            var chosen = world.NodeNames[_membershipChoice.Next(world.NodeNames.Count)];
            maintaining.Actor.Start(() => MaintainAsync(maintaining, chosen));
        }

        var roll = Random.NextDouble();
        if (roll < Settings.PauseRate / 4 && Pick(alive.Where(r => !r.Actor.Paused)) is { } paused)
        {
            var length = Lease * (0.3 + Random.NextDouble() * 2.7);
            world.Trace.Add("chaos", $"pause {paused.Name} for {length.TotalSeconds:0.0}s");
            paused.Actor.Pause();
            After(length, () =>
            {
                world.Trace.Add("chaos", $"resume {paused.Name}");
                paused.Actor.Resume();
            });
        }
        else if (roll < 0.25 + Settings.CrashRate / 6 && roll >= 0.25 && Pick(alive) is { } crashed)
        {
            world.Trace.Add("chaos", $"crash {crashed.Name}");
            crashed.Actor.Crash();
            After(TimeSpan.FromSeconds(1 + Random.Next(20)), () => Restart(crashed.Name));
        }
        else if (roll >= 0.4 && roll < 0.4 + Settings.NodeDownRate / 4 && Pick(world.Nodes.Values.Where(n => !n.Down)) is { } node)
        {
            var length = TimeSpan.FromMilliseconds(300 + Random.Next(20_000));
            world.Trace.Add("chaos", $"{node.Name} down for {length.TotalSeconds:0.0}s");
            node.Down = true;
            After(length, () =>
            {
                world.Trace.Add("chaos", $"{node.Name} up");
                node.Down = false;
            });
        }
        else if (roll >= 0.55 && roll < 0.55 + Settings.StoreDownRate / 4 && !world.CoordinatorStore.Down)
        {
            var length = TimeSpan.FromMilliseconds(200 + Random.Next(8_000));
            world.Trace.Add("chaos", $"coordinator store down for {length.TotalSeconds:0.0}s");
            world.CoordinatorStore.Down = true;
            After(length, () =>
            {
                world.Trace.Add("chaos", "coordinator store up");
                world.CoordinatorStore.Down = false;
            });
        }
        else if (roll >= 0.65 && roll < 0.65 + Settings.ClockSkewRate / 4 && Pick(alive) is { } skewed)
        {
            skewed.Clock.Offset = TimeSpan.FromMilliseconds(Random.Next(-3_000, 3_000));
            world.Trace.Add("chaos", $"{skewed.Name}'s clock off by {skewed.Clock.Offset.TotalMilliseconds:0} ms");
        }
        else if (roll >= 0.75 && roll < 0.75 + Settings.RetryRate / 4 && Pick(alive) is { } operator_)
        {
            var open = (RedisValue[])world.CoordinatorStore.Execute("SMEMBERS", ["cg:ops:open"]).Result!;
            if (open.Length > 0)
            {
                var id = open.Select(v => v.ToString()).Order(StringComparer.Ordinal).ElementAt(Random.Next(open.Length));
                if (_operatorChoice.NextDouble() < Settings.AbandonRate)
                {
                    world.Trace.Add("chaos", $"operator asks {operator_.Name} to abandon {id}");
                    operator_.Actor.Start(async () =>
                        (await operator_.Actions.AbandonAsync(id, "operator", "simulated operator", CancellationToken.None)).Status);
                }
                else
                {
                    world.Trace.Add("chaos", $"operator asks {operator_.Name} to retry {id}");
                    operator_.Actor.Start(async () => (await operator_.Actions.RetryAsync(id, "operator", CancellationToken.None)).Status);
                }
            }
        }
        else if (roll >= 0.9 && roll < 0.93 && Pick(alive) is { } reconciling)
        {
            world.Trace.Add("chaos", $"{reconciling.Name} reconciles (report{(Settings.Audit ? ", against the journal" : "")})");
            reconciling.Actor.Start(async () =>
            {
                var report = await reconciling.Reconciler.RunAsync(UnexplainedPolicy.Report, Settings.Audit, CancellationToken.None);
                world.Trace.Add(reconciling.Name, $"reconciled: {report.Repaired.Count} repaired, {report.Unexplained.Count} unexplained");
                world.ReconcilerRounds++;
                world.Repairs += report.Repaired.Count;
                return true;
            });
        }
    }

    // An operator's membership change through one replica: a drained node rejoins, a joining one gets a backfill round,
    // an active one is drained (never the last: MembershipChanges refuses it). In a run with a rolling upgrade, through
    // the Api's gate first, as the endpoints do (409 "Older Api replicas are live").
    private async Task<bool> MaintainAsync(SimReplica replica, string node)
    {
        try
        {
            if (await GateAsync(replica, node))
            {
                return true;
            }

            var role = (await replica.Coordinator.GetMembershipAsync(CancellationToken.None))?.RoleOf(node) ?? MemberRole.Active;
            switch (role)
            {
                case MemberRole.Out:
                    world.Trace.Add(replica.Name, $"operator rejoins {node}: epoch {(await replica.Membership.RejoinAsync(node, CancellationToken.None)).Epoch}");
                    break;
                case MemberRole.Joining:
                    var round = await replica.Backfill.RunAsync(CancellationToken.None);
                    world.Trace.Add(replica.Name, $"backfill: {round?.Repaired ?? 0} repaired, {(round?.Active == true ? "active" : round?.Waiting)}");
                    break;
                default:
                    var drained = await replica.Membership.DrainAsync(node, CancellationToken.None);
                    world.Trace.Add(replica.Name, $"operator drains {node}: epoch {drained.Membership.Epoch}, {drained.Open.Count} older open");
                    break;
            }
        }
        catch (Exception e) when (e is MembershipRefusedException or CoordinatorStoreException or CoordinatorUnavailableException)
        {
            world.Trace.Add(replica.Name, $"membership change on {node} not made: {e.Message}");
        }

        return true;
    }

    // True when the gate refuses membership changes now (MaintenanceEndpoints: ReplicaVersions.RefusalAsync). Only in
    // runs with older replicas: the others run as they did before the gate.
    private async Task<bool> GateAsync(SimReplica replica, string node)
    {
        if (!Settings.Upgrades || world.Plant.Is(Plant.GateIgnoresOldReplicas)
            || await replica.Versions.RefusalAsync(ProtocolVersions.MembershipChanges, CancellationToken.None) is not { } older)
        {
            return false;
        }

        world.Trace.Add(replica.Name, $"membership change on {node} refused 409: {older}");
        GateRefusals++;
        return true;
    }

    // How many membership changes the gate refused (reported).
    public int GateRefusals { get; private set; }

    // After the heal (no more faults): every drained node rejoins and is backfilled until active, on the first live
    // replica, for at most `rounds` rounds (a group the journal cannot explain, left by an abandon, keeps a node joining).
    public void RejoinAll(int rounds)
    {
        var replica = world.Replicas.First(r => r.Alive);
        replica.Actor.Start(async () =>
        {
            for (var round = 0; round < rounds && !MembershipSettled; round++)
            {
                try
                {
                    if (await GateAsync(replica, "every drained node"))
                    {
                        await Task.Delay(TimeSpan.FromSeconds(2), replica.Clock);
                        continue;
                    }

                    var membership = await replica.Coordinator.GetMembershipAsync(CancellationToken.None);
                    foreach (var member in membership?.Members.Where(m => m.Role == MemberRole.Out) ?? [])
                    {
                        await replica.Membership.RejoinAsync(member.Name, CancellationToken.None);
                        world.Trace.Add(replica.Name, $"heal: {member.Name} rejoins");
                    }

                    var backfill = await replica.Backfill.RunAsync(CancellationToken.None);
                    MembershipSettled = backfill is null || backfill.Active;
                    world.Trace.Add(replica.Name, $"heal: backfill {(backfill is null ? "not needed" : backfill.Active ? "done, all active" : backfill.Waiting)}");
                }
                catch (Exception e) when (e is CoordinatorStoreException or CoordinatorUnavailableException or MembershipRefusedException)
                {
                    world.Trace.Add(replica.Name, $"heal: backfill failed: {e.Message}");
                }

                if (!MembershipSettled)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), replica.Clock);
                }
            }

            MembershipSettled = true;
            return true;
        });
    }

    // The heal's rejoin has ended (every node active, or it gave up).
    public bool MembershipSettled { get; private set; }

    // Every fault ended: the network reliable, nodes and store up, every replica resumed or restarted.
    public void Heal()
    {
        Stopped = true;
        world.Healed = true;
        world.Network.Faults = NetworkFaults.None;
        foreach (var node in world.Nodes.Values)
        {
            node.Down = false;
        }

        world.CoordinatorStore.Down = false;
        foreach (var replica in world.Replicas.ToList())
        {
            // A replica killed while paused (kill -9 of a SIGSTOPped process) is crashed, not paused: restarted.
            if (!replica.Alive)
            {
                Restart(replica.Name);
            }
            else if (replica.Actor.Paused)
            {
                replica.Actor.Resume();
            }
        }

        world.Trace.Add("chaos", "healed: no more faults");
    }

    // A replica gone (crashed or stopped) started again, as the version installed where it runs; nothing if one of that
    // name runs already.
    public void Restart(string name)
    {
        if (world.Replicas.Any(r => r.Name == name && r.Alive))
        {
            return;
        }

        var incarnation = _incarnations[name] = _incarnations.GetValueOrDefault(name, 1) + 1;
        var order = world.NodeNames.ToList();
        if (Random.NextDouble() < Settings.ReorderRate)
        {
            order = [.. order.OrderBy(_ => Random.Next())];
        }

        world.Replicas.RemoveAll(r => r.Name == name);
        var replica = start(name, incarnation, order, TimeSpan.Zero);
        world.Trace.Add("chaos", $"restart {replica.Name} (incarnation {incarnation}, protocol {replica.Version}, nodes {string.Join(",", order)})");
    }

    private T? Pick<T>(IEnumerable<T> candidates) where T : class
    {
        var list = candidates.ToList();
        return list.Count == 0 ? null : list[Random.Next(list.Count)];
    }

    private void After(TimeSpan delay, Action action) =>
        world.Scheduler.Timer(Actor, () =>
        {
            if (!Stopped)
            {
                action();
            }
        }, delay, TimeSpan.Zero);
}
