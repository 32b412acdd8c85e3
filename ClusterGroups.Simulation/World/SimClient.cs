using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Errors;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Model;
using ClusterGroups.Simulation.Checks;
using ClusterGroups.Simulation.Runtime;

namespace ClusterGroups.Simulation.World;

// A caller of the Api: creates and deletes groups one after another through a replica it picks at random, as
// requests over the network (a request can be lost; a replica that is down never answers). Each answer is checked
// by the invariants on the replica, at the moment it is given.
public sealed class SimClient(SimWorld world, Invariants invariants, string name)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private const int MaxTries = 4;
    // ClusterGroups.Client's defaults: 30 s a call (its Request-Deadline), 10 s a try.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TryPatience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

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
            if (!world.Settings.Keyed)
            {
                await SendAsync(replica, kind, groupId, key: null, deadline: null);
                continue;
            }

            // The same request again with the same key while it has no answer (lost, 503 before or after its start,
            // busy), as ClusterGroups.Client does; each try through a replica alive at the time.
            // One Request-Deadline for the whole call, on every try (the client's own timeout from its start).
            var key = RequestKey.For(name, $"{name}-{i}");
            var deadline = clock.GetUtcNow() + CallTimeout;
            for (var attempt = 1; attempt <= MaxTries; attempt++)
            {
                if (await SendAsync(replica, kind, groupId, key, deadline) || attempt == MaxTries || clock.GetUtcNow() >= deadline)
                {
                    break;
                }

                await Task.Delay(RetryDelay * attempt, clock);
                alive = world.Replicas.Where(r => r.Alive).ToList();
                if (alive.Count == 0)
                {
                    break;
                }

                replica = alive[attempt % alive.Count];
                world.Trace.Add(name, $"asks {replica.Name} again to {kind} {groupId} (key {key.Value})");
            }
        }

        Done = true;
        return true;
    });

    // True once the caller has its answer: an operation (done, pending, or its key's earlier one), or a refusal a
    // retry would not change. False: no answer in time, or one that says to send again.
    private Task<bool> SendAsync(SimReplica replica, OperationKind kind, string groupId, RequestKey? key, DateTimeOffset? deadline)
    {
        var answered = new TaskCompletionSource<bool>();
        var scheduler = world.Scheduler;
        scheduler.Timer(Actor, () => answered.TrySetResult(false), key is null ? Patience : TryPatience, TimeSpan.Zero);
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
                var final = false;
                try
                {
                    var result = await replica.Protocol.RunAsync(kind, groupId, CancellationToken.None, caller: name, key: key, deadline: deadline);
                    if (result.NotStarted is StartRefusal.PastDeadline)
                    {
                        invariants.AtKeyRefused(replica.Name, name, key!);
                        final = true;
                    }
                    else if (result.NotStarted is StartRefusal.KeyUsed used)
                    {
                        // The Api answers with the key's earlier operation as it stands now (NotStartedResults).
                        var earlier = used.Request.IsSameRequest(kind, groupId)
                            ? await replica.Coordinator.GetAsync(used.Request.OperationId, CancellationToken.None)
                            : null;
                        invariants.AtKeyUsed(replica.Name, name, key!, kind, groupId, used.Request, earlier);
                        final = true;
                    }
                    else
                    {
                        invariants.AtAnswer(replica.Name, result);
                        if (key is not null && result.Operation is { } op)
                        {
                            invariants.AtKeyedOperation(name, key, op.Id);
                        }

                        final = result.Operation is not null || result.NotStarted is not null;
                    }
                }
                catch (CoordinatorUnavailableException e)
                {
                    world.Trace.Add(replica.Name, $"answer: 503 coordinator unavailable ({e.OperationId ?? "nothing begun"})");
                }
                catch (NewerJournalEntryException e)
                {
                    // An older replica meets the group's open operation in an entry it cannot read (a rolling upgrade):
                    // 503 "Written by a newer Api", nothing done; the caller sends it again (NewerJournalEntryHandler).
                    world.Trace.Add(replica.Name, $"answer: 503 written by a newer Api ({e.OperationId})");
                }

                scheduler.Timer(Actor, () => answered.TrySetResult(final), TimeSpan.FromMilliseconds(1), TimeSpan.Zero);
                return true;
            });
        }, TimeSpan.FromMilliseconds(1 + scheduler.Random.Next(5)), TimeSpan.Zero);
        return answered.Task;
    }
}
