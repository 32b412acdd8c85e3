using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Keyspace;
using StackExchange.Redis;

namespace ClusterGroups.UnitTests.Simulation;

// The same contents read back the same, whatever order they were written in: a simulation replays a seed exactly only
// if no reply depends on something outside the seed, and Lua 5.4 seeds its string hash per state, so a script's
// pairs() order (NodeScripts.BulkCreate walks one) differs from store to store.
public sealed class InProcessStoreOrderTests
{
    private static readonly string[] Fields = [.. Enumerable.Range(0, 200).Select(i => $"field-{i}")];

    [Fact]
    public async Task Hashes_sets_and_keys_read_back_in_one_order_whatever_order_they_were_written_in()
    {
        using var forward = new InProcessStore();
        using var backward = new InProcessStore();
        await WriteAsync(forward, Fields);
        await WriteAsync(backward, [.. Fields.Reverse()]);

        foreach (var (command, args) in new (string, object[])[]
                 {
                     ("HKEYS", ["h"]), ("HGETALL", ["h"]), ("HVALS", ["h"]), ("SMEMBERS", ["s"]), ("KEYS", ["*"]),
                     ("HSCAN", ["h", "0", "COUNT", "7"]), ("SSCAN", ["s", "0", "COUNT", "7"]),
                 })
        {
            Assert.Equal(await ReadAsync(forward, command, args), await ReadAsync(backward, command, args));
        }
    }

    [Fact]
    public async Task A_bulk_create_leaves_the_same_digest_fields_in_the_same_order_in_every_store()
    {
        // Stores alive at once: Lua states at different addresses, so with different string hash seeds.
        var ids = Enumerable.Range(0, 1_500).Select(i => $"bulk-{i}").ToList();
        var stores = Enumerable.Range(0, 4).Select(_ => new InProcessStore()).ToList();
        var answers = new List<string>();
        foreach (var store in stores)
        {
            Assert.Equal(ids.Count, await new GroupStore(store).BulkCreateAsync(ids, CancellationToken.None));
            answers.Add(await ReadAsync(store, "HGETALL", ["digest"]));
        }

        stores.ForEach(store => store.Dispose());
        Assert.Single(answers.Distinct());
    }

    [Fact]
    public async Task A_walk_of_pages_returns_every_group_present_for_the_whole_walk_while_others_come_and_go()
    {
        using var store = new InProcessStore();
        var groups = new GroupStore(store);
        var stable = Enumerable.Range(0, 300).Select(i => $"stable-{i}").ToList();
        await groups.BulkCreateAsync(stable, CancellationToken.None);
        var random = new Random(24);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var cursor = "0";
        for (var page = 0; ; page++)
        {
            var (ids, next) = await groups.PageAsync(cursor, 1 + random.Next(20));
            seen.UnionWith(ids);
            for (var i = 0; i < 10; i++)
            {
                var churn = $"churn-{random.Next(200)}";
                _ = random.Next(2) == 0 ? await groups.CreateAsync(churn, null) : await groups.DeleteAsync(churn, null);
            }

            if (next is null)
            {
                break;
            }

            Assert.True(page < 1_000, "the walk does not end");
            cursor = next;
        }

        Assert.DoesNotContain(stable, id => !seen.Contains(id));
    }

    private static async Task WriteAsync(InProcessStore store, IEnumerable<string> fields)
    {
        foreach (var field in fields)
        {
            await store.ExecuteAsync("HSET", "h", field, $"v-{field}");
            await store.ExecuteAsync("SADD", "s", field);
            await store.ExecuteAsync("SET", $"key-{field}", "x");
        }
    }

    private static async Task<string> ReadAsync(InProcessStore store, string command, object[] args) =>
        Flatten(await store.ExecuteAsync(command, [.. args.Select(a => (RedisValue)(string)a)]));

    private static string Flatten(RedisResult result) =>
        result.Resp2Type == ResultType.Array ? $"[{string.Join(",", ((RedisResult[])result!).Select(Flatten))}]" : result.ToString();
}
