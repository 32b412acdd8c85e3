using ClusterGroups.Api.Upgrades;
using ClusterGroups.Simulation.Runtime;

namespace ClusterGroups.Simulation.World;

// The rolling upgrade of a run that starts with older replicas (SimSettings.OldReplicas), as RollingUpgradeTests does
// it with real processes: after a while, each replica of protocol 2 in turn is stopped, gracefully (SIGTERM: its
// announcement withdrawn; one that has not stopped within StopTimeout is killed) or not (kill -9: its announcement counts
// until it expires), and started again as the current version, while the callers, recovery, the reconciler, the faults
// and the operator's membership changes go on. A replica of it that crashes meanwhile comes back as what is installed
// where it runs. An operator's act, not a fault: it goes on after the heal until every replica runs the current version.
public sealed class SimUpgrade(SimWorld world, SimChaos chaos)
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(6);

    // Drawn apart from the scheduler's sequence: when, and how each replica is stopped.
    private readonly Random _random = new(world.Settings.Seed ^ 0x09DE);

    public SimActor Actor { get; } = new(world.Scheduler, "upgrade");

    public bool Done { get; private set; }

    public void Start() => Actor.Start<bool>(async () =>
    {
        var clock = new SimClock(Actor, world.Epoch, TimeSpan.Zero);
        await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(500, 30_000)), clock);
        var older = world.Installed.Where(i => i.Value < ProtocolVersions.Current).Select(i => i.Key).Order(StringComparer.Ordinal).ToList();
        foreach (var name in older)
        {
            world.Installed[name] = ProtocolVersions.Current;
            if (world.Replicas.FirstOrDefault(r => r.Name == name && r.Alive) is { } old)
            {
                if (_random.NextDouble() < 0.5)
                {
                    world.Trace.Add("upgrade", $"stop {name} (SIGTERM)");
                    old.Stop(world.Trace);
                    await Task.Delay(StopTimeout, clock);
                    if (old.Alive)
                    {
                        world.Trace.Add("upgrade", $"{name} did not stop within {StopTimeout.TotalSeconds:0}s: kill -9");
                        old.Actor.Crash();
                    }
                }
                else
                {
                    world.Trace.Add("upgrade", $"kill -9 {name}");
                    old.Actor.Crash();
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(200, 8_000)), clock);
            world.Trace.Add("upgrade", $"start {name} as protocol {ProtocolVersions.Current}");
            chaos.Restart(name);
            await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(1_000, 15_000)), clock);
        }

        world.Trace.Add("upgrade", "every replica runs the current version");
        Done = true;
        return true;
    });
}
