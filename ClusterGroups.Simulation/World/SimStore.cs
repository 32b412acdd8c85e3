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

    // Every script run, with what it rewrote as it was before, as it runs (Invariants checks what each one wrote).
    public event Action<ScriptServed>? Served;

    public StoreReply Evaluate(string script, RedisKey[] keys, RedisValue[] args, StoreCaller? caller = null, string? name = null)
    {
        name ??= ScriptNames.Of(script);
        if (name == ScriptBatch.Name)
        {
            return EvaluateBatch(script, keys, args, caller);
        }

        var before = Served is null ? null : Rewrites(name, args);
        var reply = Answer(() => store.EvaluateAsync(script, keys, args));
        Observe(name, args, reply);
        Served?.Invoke(new ScriptServed(name, caller, args, reply, before));
        return reply;
    }

    // A batch of the coordinator's scripts (group commit), seen by the checks as its items, one after another, each as
    // the single script it runs: its arguments, its own reply, and what it rewrites as it was just before it ran (read
    // before the batch, all in the same atomic step; an entry an earlier item of the batch wrote is that item's).
    private StoreReply EvaluateBatch(string script, RedisKey[] keys, RedisValue[] args, StoreCaller? caller)
    {
        var items = ScriptBatch.Items(keys, args);
        var befores = Served is null ? null : items.Select(item => Rewrites(item.Script, item.Args)).ToArray();
        var reply = Answer(() => store.EvaluateAsync(script, keys, args));
        var replies = reply.Result is { } result ? (RedisResult[])result! : null;
        var written = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var answer = replies is null ? reply : new StoreReply(replies[i], null);
            Observe(item.Script, item.Args, answer);
            if (befores is null)
            {
                continue;
            }

            var served = new ScriptServed(item.Script, caller, item.Args, answer, befores[i]);
            if (served.Entry is { } entry && written.TryGetValue(entry.Id, out var earlier))
            {
                served = served with { Before = earlier };
            }

            Served?.Invoke(served);
            if (served.Applied && served.Entry is { } applied)
            {
                written[applied.Id] = applied.Entry;
            }
        }

        Batches++;
        BatchedItems += items.Count;
        return reply;
    }

    // How many batches the coordinator ran, and their items (reported: the simulation exercises group commit).
    public int Batches { get; private set; }
    public int BatchedItems { get; private set; }

    // What a script rewrites, read in the same step (nothing runs between this read and the script).
    private string? Rewrites(string script, RedisValue[] args)
    {
        var key = script switch
        {
            "CoordinatorScripts.Start" or "CoordinatorScripts.Begin" => $"cg:op:{args[5]}",
            "CoordinatorScripts.Save" => $"cg:op:{args[3]}",
            _ => null,
        };
        var read = key is not null ? Execute("GET", [key])
            : script == "CoordinatorScripts.ChangeMembership" ? Execute("HGET", ["cg:membership", "members"])
            : null;
        return read?.Result is { IsNull: false } value ? value.ToString() : null;
    }

    private void Observe(string name, RedisValue[] args, StoreReply reply)
    {
        if (reply.Result is not { } result)
        {
            return;
        }

        switch (name)
        {
            case "CoordinatorScripts.Start" when ((RedisResult[])result!)[0].ToString() == "begun":
            // Begin answers 1, 0 (fenced) or {'keyed', record} (the key names another request: nothing begun).
            case "CoordinatorScripts.Begin" when result.Resp2Type == ResultType.Integer && (long)result == 1:
                Begun[args[5].ToString()] = scheduler.Now;
                break;
            case "CoordinatorScripts.Save" when result.Resp2Type == ResultType.Integer && (long)result == 1 && args[4].ToString() != "":
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
