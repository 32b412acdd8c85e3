using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Keyspace;
using ClusterGroups.Storage;
using StackExchange.Redis;

namespace ClusterGroups.UnitTests.Storage;

// The batch script's layout (BatchScript.Pack): KEYS each key once, ARGV the items' steps, key positions and arguments
// in their order; and a packed batch run by the in-process store answers each item as its single script would.
public sealed class BatchScriptTests
{
    [Fact]
    public void Pack_names_each_key_once_and_gives_every_item_its_positions_and_arguments()
    {
        var (keys, args) = BatchScript.Pack(
        [
            ("create", ["groups", "fences", "idem:a"], ["g1", "a", "1"]),
            ("abort", ["groups", "fences", "idem:b"], ["g2", "b"]),
        ]);

        Assert.Equal(["groups", "fences", "idem:a", "idem:b"], keys.Select(k => (string)k!));
        Assert.Equal(
            ["2", "create", "3", "1", "2", "3", "3", "g1", "a", "1", "abort", "3", "1", "2", "4", "2", "g2", "b"],
            args.Select(a => (string)a!));
    }

    [Fact]
    public void Pack_allocates_only_the_batchs_KEYS_and_ARGV()
    {
        var items = Enumerable.Range(0, 16)
            .Select(i => ("create", Keys($"g{i}", $"k{i}"), Args($"g{i}", $"k{i}", i)))
            .ToList();
        var keyCount = items.Sum(i => i.Item2.Length);
        var distinct = items.SelectMany(i => i.Item2).Distinct().Count();
        var argCount = 1 + items.Sum(i => 3 + i.Item2.Length + i.Item3.Length);
        BatchScript.Pack(items);   // the thread's table of key positions is made once

        var expected = Bytes(() => _ = new RedisKey[keyCount]) + Bytes(() => _ = new RedisKey[distinct])
                       + Bytes(() => _ = new RedisValue[argCount]);
        var packed = Bytes(() => BatchScript.Pack(items));

        // The two arrays as sized, and KEYS cut to the distinct keys; nothing per key or per batch besides.
        Assert.InRange(packed, expected, expected + 64);
    }

    private static long Bytes(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public async Task A_packed_batch_answers_each_item_as_its_single_script()
    {
        using var alone = new InProcessStore();
        using var batched = new InProcessStore();
        var writes = new (string Step, string Script, RedisKey[] Keys, RedisValue[] Args)[]
        {
            ("create", NodeScripts.Create, Keys("g1", "k1"), Args("g1", "k1", 5)),
            ("create", NodeScripts.Create, Keys("g1", "k2"), Args("g1", "k2", 4)),   // fenced: a lower token
            ("delete", NodeScripts.Delete, Keys("g1", "k3"), Args("g1", "k3", 6)),
            ("create", NodeScripts.Create, Keys("g2", "k4"), Args("g2", "k4", 1)),
        };

        var expected = new List<string>();
        foreach (var write in writes)
        {
            expected.Add(Text(await alone.EvaluateAsync(write.Script, write.Keys, write.Args)));
        }

        var (keys, args) = BatchScript.Pack([.. writes.Select(w => (w.Step, w.Keys, w.Args))]);
        var replies = (RedisResult[])(await batched.EvaluateAsync(NodeScripts.Batch, keys, args))!;

        Assert.Equal(expected, replies.Select(Text));
        Assert.Equal(["applied", "fenced 5", "applied", "applied"], expected);
    }

    // KEYS of a node write: groups hash, fence hash, idem:{key}, deleted-by:{groupId}, (legacy) idem:delete:{key},
    // digest, the group's bucket set (NodeScripts.Create).
    private static RedisKey[] Keys(string groupId, string key) =>
        ["groups", "fences", $"idem:{key}", $"deleted-by:{groupId}", $"idem:delete:{key}", "digest", "bucket:0"];

    private static RedisValue[] Args(string groupId, string key, long token) =>
        [groupId, key, token, 60_000, 0, 1, 2];

    private static string Text(RedisResult reply) =>
        string.Join(' ', ((RedisResult[])reply!).Select(r => (string?)r));
}
