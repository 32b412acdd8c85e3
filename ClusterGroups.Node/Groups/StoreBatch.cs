using ClusterGroups.Storage;
using StackExchange.Redis;

namespace ClusterGroups.Node.Groups;

// The items of one batch request (GroupBatch) written in one store script (NodeScripts.Batch), not one script each.
// Each item's single-route code runs unchanged, with a GroupStore (For) whose first write script joins the batch; once
// every item has either sent its script or finished without one (a refused item), the scripts go to the store together,
// in the items' order, and each item gets its own reply, or its own error, as its single script would. So the store
// parses, locks and appends to its log once per batch, and the node sends one command instead of one per item.
// Anything else an item sends (a read, a second script) goes to the store on its own, as does a script NodeScripts.Batch
// does not hold. A failure of the batch's script (store unreachable, timeout, an answer that cannot be read) is every
// joined item's failure: whether any of them took effect is unknown, as for a single script whose answer never came.
public sealed class StoreBatch
{
    private static readonly Dictionary<string, string> Steps = new(StringComparer.Ordinal)
    {
        [NodeScripts.Create] = "create",
        [NodeScripts.Delete] = "delete",
        [NodeScripts.Abort] = "abort",
        [NodeScripts.TakeOver] = "takeover",
    };

    private readonly IRedisStore _store;
    private readonly Lock _lock = new();
    private readonly Joined?[] _joined;
    private readonly bool[] _arrived;
    private int _waiting;
    private bool _sent;

    public StoreBatch(IRedisStore store, int items)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(items);
        _store = store;
        _joined = new Joined?[items];
        _arrived = new bool[items];
        _waiting = items;
    }

    // The store item `index` (0-based, in the batch's order) writes through.
    public GroupStore For(int index) => new(new ItemStore(this, index));

    // Item `index` has its answer. One that sent no script (refused before it wrote) is no longer waited for.
    public void Finished(int index)
    {
        if (Arrive(index))
        {
            _ = SendAsync();
        }
    }

    private Task<RedisResult> Join(int index, string script, RedisKey[] keys, RedisValue[] args)
    {
        if (!Steps.TryGetValue(script, out var step))
        {
            return _store.EvaluateAsync(script, keys, args);
        }

        Joined? joined = null;
        var last = false;
        lock (_lock)
        {
            // Once the batch went, or this item already wrote (its second script), the script goes on its own.
            if (!_sent && !_arrived[index])
            {
                joined = _joined[index] = new Joined(step, script, keys, args);
                last = ArriveLocked(index);
            }
        }

        if (joined is null)
        {
            return _store.EvaluateAsync(script, keys, args);
        }

        if (last)
        {
            _ = SendAsync();
        }

        return joined.Reply.Task;
    }

    private bool Arrive(int index)
    {
        lock (_lock)
        {
            return ArriveLocked(index);
        }
    }

    // True for the arrival the batch waited for last: then (and only then) it is sent.
    private bool ArriveLocked(int index)
    {
        if (_arrived[index])
        {
            return false;
        }

        _arrived[index] = true;
        if (--_waiting > 0)
        {
            return false;
        }

        _sent = true;
        return true;
    }

    private async Task SendAsync()
    {
        var joined = _joined.OfType<Joined>().ToList();
        try
        {
            await AnswerAsync(joined);
        }
        catch (Exception e)
        {
            // Whatever failed (the store, or a reply that cannot be read), no joined write is left waiting.
            foreach (var item in joined)
            {
                item.Reply.TrySetException(e);
            }
        }
    }

    private async Task AnswerAsync(List<Joined> joined)
    {
        if (joined.Count == 0)
        {
            return;
        }

        if (joined.Count == 1)
        {
            // One write: its own script, as a single call.
            var alone = joined[0];
            alone.Reply.TrySetResult(await _store.EvaluateAsync(alone.Script, alone.Keys, alone.Args));
            return;
        }

        var (keys, args) = BatchScript.Pack([.. joined.Select(item => (item.Step, item.Keys, item.Args))]);
        var replies = (RedisResult[])(await _store.EvaluateAsync(NodeScripts.Batch, keys, args))!;
        if (replies.Length != joined.Count)
        {
            throw new RedisServerException($"the batch script answered {replies.Length} replies for {joined.Count} writes");
        }

        // Every reply is read before any is handed out: one that cannot be read fails them all, none half-answered.
        var errors = replies.Select(BatchScript.Error).ToList();
        for (var i = 0; i < joined.Count; i++)
        {
            if (errors[i] is { } error)
            {
                joined[i].Reply.TrySetException(error);
            }
            else
            {
                joined[i].Reply.TrySetResult(replies[i]);
            }
        }
    }

    private sealed record Joined(string Step, string Script, RedisKey[] Keys, RedisValue[] Args)
    {
        public TaskCompletionSource<RedisResult> Reply { get; } = new();
    }

    private sealed class ItemStore(StoreBatch batch, int index) : IRedisStore
    {
        public Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args) =>
            batch.Join(index, script, keys, args);

        public Task<RedisResult> ExecuteAsync(string command, params RedisValue[] args) =>
            batch._store.ExecuteAsync(command, args);
    }
}
