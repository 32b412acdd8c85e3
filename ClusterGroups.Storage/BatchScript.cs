using StackExchange.Redis;

namespace ClusterGroups.Storage;

// Group commit toward a store: several scripts' calls as one script, for the node's writes of a batch request
// (NodeScripts.Batch) and the coordinator's starts and closes (CoordinatorScripts.Batch). A batch script defines each
// step's single script, its very text, as a function of its own KEYS and ARGV (`run_<step>`), names them in a table
// `steps`, and ends with Loop, which runs the items one after another in their order, each under pcall: an item that
// raises an error is answered {'error', message} and the others go on, as separate scripts would.
// Layout (Pack): KEYS every key of the items, each once (Garnet's --lua-transaction-mode locks them all for the batch);
// ARGV[1] the number of items, then per item: its step, its number of keys, their positions in KEYS, its number of
// arguments, the arguments. The reply is one reply per item, in order.
public static class BatchScript
{
    public const string Loop = """
        local replies = {}
        local at = 2
        for i = 1, tonumber(ARGV[1]) do
          local step = steps[ARGV[at]]
          local keys, args = {}, {}
          local count = tonumber(ARGV[at + 1])
          for k = 1, count do keys[k] = KEYS[tonumber(ARGV[at + 1 + k])] end
          at = at + 2 + count
          count = tonumber(ARGV[at])
          for a = 1, count do args[a] = ARGV[at + a] end
          at = at + 1 + count
          local ok, reply = pcall(step, keys, args)
          if ok then
            replies[i] = reply
          else
            replies[i] = {'error', type(reply) == 'table' and tostring(reply.err) or tostring(reply)}
          end
        end
        return replies
        """;

    // Where each distinct key of the batch being packed sits in KEYS: one table per thread, emptied after each batch.
    // A new one per batch was 2 % of what the Api allocated at c=64 (its buckets and entries sized for every key).
    [ThreadStatic]
    private static Dictionary<RedisKey, int>? t_positions;

    // Past this many keys a batch's table is dropped rather than kept for the thread's next batch.
    private const int KeptPositions = 4096;

    // The batch script's KEYS and ARGV for these items (step, keys, arguments), in their order. Sized once from the
    // items: a batch of the coordinator's starts and closes runs to hundreds of arguments, and growing lists for them
    // was an eighth of everything the Api allocated at c=64 (dotnet-trace gc-verbose, issue 27's closing note).
    public static (RedisKey[] Keys, RedisValue[] Args) Pack(IReadOnlyList<(string Step, RedisKey[] Keys, RedisValue[] Args)> items)
    {
        var positions = t_positions ??= new Dictionary<RedisKey, int>();
        try
        {
            return Pack(items, positions);
        }
        finally
        {
            // No key outlives its batch here, and an outsized table is not kept.
            positions.Clear();
            if (positions.EnsureCapacity(0) > KeptPositions)
            {
                t_positions = null;
            }
        }
    }

    private static (RedisKey[] Keys, RedisValue[] Args) Pack(
        IReadOnlyList<(string Step, RedisKey[] Keys, RedisValue[] Args)> items, Dictionary<RedisKey, int> positions)
    {
        var keyCount = 0;
        var argCount = 1;
        // By index: a foreach over the interface would box an enumerator per loop.
        for (var i = 0; i < items.Count; i++)
        {
            var (_, itemKeys, itemArgs) = items[i];
            keyCount += itemKeys.Length;
            argCount += 3 + itemKeys.Length + itemArgs.Length;
        }

        positions.EnsureCapacity(keyCount);
        var keys = new RedisKey[keyCount];
        var args = new RedisValue[argCount];
        var distinct = 0;
        var at = 0;
        args[at++] = items.Count;
        for (var i = 0; i < items.Count; i++)
        {
            var (step, itemKeys, itemArgs) = items[i];
            args[at++] = step;
            args[at++] = itemKeys.Length;
            foreach (var key in itemKeys)
            {
                if (!positions.TryGetValue(key, out var position))
                {
                    keys[distinct++] = key;
                    positions[key] = position = distinct;
                }

                args[at++] = position;
            }

            args[at++] = itemArgs.Length;
            itemArgs.CopyTo(args, at);
            at += itemArgs.Length;
        }

        // Items of one group share keys (fences, indexes): KEYS holds each once.
        if (distinct < keys.Length)
        {
            Array.Resize(ref keys, distinct);
        }

        return (keys, args);
    }

    // An item's reply as the error its single script raised, or null when it is the script's own reply.
    public static RedisServerException? Error(RedisResult reply) =>
        reply.Resp2Type == ResultType.Array && (RedisResult[])reply! is [var tag, var message] && (string?)tag == "error"
            ? new RedisServerException((string?)message ?? "error")
            : null;
}
