using ClusterGroups.Api.Errors;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Simulation.Checks;
using ClusterGroups.Simulation.Runtime;

namespace ClusterGroups.Simulation.World;

// A caller of the Api: creates and deletes groups one after another through a replica it picks at random, as
// requests over the network (a request can be lost; a replica that is down never answers). Each answer is checked
// by the invariants on the replica, at the moment it is given.
public sealed class SimClient(SimWorld world, Invariants invariants, string name)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public SimActor Actor { get; } = new(world.Scheduler, name);

    public bool Done { get; private set; }

    public void Start() => Actor.Start<bool>(async () =>
    {
        var clock = new SimClock(Actor, world.Epoch, TimeSpan.Zero);
        var random = world.Scheduler.Random;
        for (var i = 0; i < world.Settings.OperationsPerClient; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1, 3_000)), clock);
            var alive = world.Replicas.Where(r => r.Alive).ToList();
            if (alive.Count == 0)
            {
                continue;
            }

            var replica = alive[random.Next(alive.Count)];
            var kind = random.Next(2) == 0 ? OperationKind.Create : OperationKind.Delete;
            var groupId = $"g{random.Next(world.Settings.Groups) + 1}";
            world.Trace.Add(name, $"asks {replica.Name} to {kind} {groupId}");
            await SendAsync(replica, kind, groupId);
        }

        Done = true;
        return true;
    });

    private Task<bool> SendAsync(SimReplica replica, OperationKind kind, string groupId)
    {
        var answered = new TaskCompletionSource<bool>();
        var scheduler = world.Scheduler;
        scheduler.Timer(Actor, () => answered.TrySetResult(false), Patience, TimeSpan.Zero);
        if (scheduler.Random.NextDouble() < world.Network.Faults.LoseRequest)
        {
            world.Trace.Add(name, $"-> {replica.Name} {kind} {groupId}: request lost");
            return answered.Task;
        }

        scheduler.Timer(scheduler.Environment, () =>
        {
            if (!replica.Alive)
            {
                return;
            }

            replica.Actor.Start(async () =>
            {
                try
                {
                    var result = await replica.Protocol.RunAsync(kind, groupId, CancellationToken.None, caller: name);
                    invariants.AtAnswer(replica.Name, result);
                }
                catch (CoordinatorUnavailableException e)
                {
                    world.Trace.Add(replica.Name, $"answer: 503 coordinator unavailable ({e.OperationId ?? "nothing begun"})");
                }

                scheduler.Timer(Actor, () => answered.TrySetResult(true), TimeSpan.FromMilliseconds(1), TimeSpan.Zero);
                return true;
            });
        }, TimeSpan.FromMilliseconds(1 + scheduler.Random.Next(5)), TimeSpan.Zero);
        return answered.Task;
    }
}
