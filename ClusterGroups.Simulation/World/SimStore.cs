using ClusterGroups.Simulation.Keyspace;
using StackExchange.Redis;

namespace ClusterGroups.Simulation.World;

// A store of the simulation (the coordinator's): the in-process keyspace running the real scripts, served over the
// simulated network. It can be down (refusing connections) and crash: with durable acknowledgements (the default, as
// the stores run) nothing acknowledged is lost; without, a crash loses what was written since the last flush, which
// happens at random moments (Flush).
public sealed class SimStore(string name, InProcessStore store, ClusterGroups.Simulation.Runtime.SimScheduler scheduler)
{
    private KeyspaceSnapshot? _flushed;

    public string Name { get; } = name;
    public bool Down { get; set; }
    public InProcessStore Keyspace => store;

    // When each operation was begun and closed, as the coordinator executed it (for the invariants).
    public Dictionary<string, TimeSpan> Begun { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, TimeSpan> Closed { get; } = new(StringComparer.Ordinal);

    public StoreReply Evaluate(string script, RedisKey[] keys, RedisValue[] args)
    {
        var reply = Answer(() => store.EvaluateAsync(script, keys, args));
        Observe(script, args, reply);
        return reply;
    }

    private void Observe(string script, RedisValue[] args, StoreReply reply)
    {
        if (reply.Result is not { } result)
        {
            return;
        }

        switch (ScriptNames.Of(script))
        {
            case "CoordinatorScripts.Start" when ((RedisResult[])result!)[0].ToString() == "begun":
            // Begin answers 1, 0 (fenced) or {'keyed', record} (the key names another request: nothing begun).
            case "CoordinatorScripts.Begin" when result.Resp2Type == ResultType.Integer && (long)result == 1:
                Begun[args[5].ToString()] = scheduler.Now;
                break;
            case "CoordinatorScripts.Save" when (long)result == 1 && args[4].ToString() != "":
                Closed[args[3].ToString()] = scheduler.Now;
                break;
        }
    }

    public StoreReply Execute(string command, RedisValue[] args) => Answer(() => store.ExecuteAsync(command, args));

    public void Flush() => _flushed = store.Snapshot();

    // A crash of a store without durable acknowledgements: back to the last flush.
    public void LoseUnflushed()
    {
        if (_flushed is { } flushed)
        {
            store.Restore(flushed);
        }
    }

    private static StoreReply Answer(Func<Task<RedisResult>> call)
    {
        var task = call();
        return task.IsCompletedSuccessfully ? new StoreReply(task.Result, null)
            : task.IsFaulted ? new StoreReply(null, task.Exception!.InnerException)
            : throw new InvalidOperationException("The simulated store did not answer at once.");
    }
}
