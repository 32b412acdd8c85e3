using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Keyspace;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace ClusterGroups.UnitTests.Nodes;

// StoreBatch over the node's real scripts in the in-process store: the writes of a batch go as one script once every
// item has joined or finished, run in the items' order, and each is answered as its single script: its own reply, or
// its own error beside the others' writes. (NodeScriptCases runs a batch on Garnet and redis-server too.)
public sealed class StoreBatchTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Nothing_goes_until_every_item_has_joined_or_finished_then_the_items_run_in_order()
    {
        using var store = new InProcessStore(new FakeTimeProvider());
        var batch = new StoreBatch(store, 4);

        var delete = batch.For(0).DeleteAsync("g1", "d1", 1);
        var create = batch.For(1).CreateAsync("g1", "c1", 1);
        var again = batch.For(3).CreateAsync("g1", "c2", 1);
        Assert.False(delete.IsCompleted);
        Assert.Equal(0L, (long)await store.ExecuteAsync("EXISTS", "groups"));

        // Item 2 refused before it wrote: the batch waits for nobody now.
        batch.Finished(2);

        // In the items' order: the delete finds nothing, the create applies, the second create finds it there.
        Assert.Equal(WriteResult.AlreadySo, (await delete.WaitAsync(Wait)).Result);
        Assert.Equal(WriteResult.Applied, (await create.WaitAsync(Wait)).Result);
        Assert.Equal(WriteResult.AlreadySo, (await again.WaitAsync(Wait)).Result);
        Assert.Equal("c1", (string?)await store.ExecuteAsync("HGET", "groups", "g1"));
    }

    [Fact]
    public async Task An_item_whose_script_fails_gets_its_single_scripts_error_and_the_items_beside_it_are_written()
    {
        var time = new FakeTimeProvider();
        using var store = new InProcessStore(time);
        using var twin = new InProcessStore(time);
        foreach (var s in new[] { store, twin })
        {
            // k2's record is a hash: the script's GET on it fails (WRONGTYPE).
            await s.ExecuteAsync("HSET", "idem:k2", "x", "y");
        }

        var single = await Assert.ThrowsAsync<RedisServerException>(() => new GroupStore(twin).CreateAsync("g2", "k2", 1));
        var batch = new StoreBatch(store, 3);
        var first = batch.For(0).CreateAsync("g1", "k1", 1);
        var failing = batch.For(1).CreateAsync("g2", "k2", 1);
        var third = batch.For(2).CreateAsync("g3", "k3", 1);

        Assert.Equal(WriteResult.Applied, (await first.WaitAsync(Wait)).Result);
        var error = await Assert.ThrowsAsync<RedisServerException>(() => failing.WaitAsync(Wait));
        Assert.Equal(WriteResult.Applied, (await third.WaitAsync(Wait)).Result);
        Assert.Contains("WRONGTYPE", single.Message, StringComparison.Ordinal);
        Assert.Contains("WRONGTYPE", error.Message, StringComparison.Ordinal);
        Assert.Equal(["g1", "g3"], await new GroupStore(store).ListAsync());
    }

    [Fact]
    public async Task A_batch_where_one_item_writes_sends_it_as_its_single_script_and_a_second_script_goes_alone()
    {
        using var store = new InProcessStore(new FakeTimeProvider());
        var batch = new StoreBatch(store, 2);
        var item = batch.For(0);

        var create = item.CreateAsync("g1", "k1", 1);
        batch.Finished(1);
        Assert.Equal(WriteResult.Applied, (await create.WaitAsync(Wait)).Result);

        // After the batch went: at once, on its own.
        Assert.Equal(WriteResult.Applied, (await item.DeleteAsync("g1", "d1", 1).WaitAsync(Wait)).Result);
        Assert.Empty(await new GroupStore(store).ListAsync());
    }

    // A batch answer the node cannot read (too few replies, a reply of no known shape) fails every item, none half
    // answered and none left waiting: as a single write whose answer cannot be read.
    [Fact]
    public async Task An_answer_the_batch_cannot_read_fails_every_item_and_leaves_none_waiting()
    {
        RedisResult Applied() => RedisResult.Create([RedisResult.Create((RedisValue)"applied")]);
        var pair = RedisResult.Create([RedisResult.Create((RedisValue)"x"), RedisResult.Create((RedisValue)"z")]);
        var shapeless = RedisResult.Create([pair, RedisResult.Create((RedisValue)"y")]);
        foreach (var (reply, words) in new[]
        {
            (RedisResult.Create([Applied(), Applied()]), "2 replies for 3 writes"),
            (RedisResult.Create([Applied(), shapeless, Applied()]), ""),
        })
        {
            var batch = new StoreBatch(new AnsweringStore(reply), 3);
            var writes = Enumerable.Range(0, 3).Select(i => batch.For(i).CreateAsync($"g{i}", $"k{i}", 1)).ToList();

            foreach (var write in writes)
            {
                var error = await Assert.ThrowsAnyAsync<Exception>(() => write.WaitAsync(Wait));
                Assert.IsNotType<TimeoutException>(error);
                Assert.Contains(words, error.Message, StringComparison.Ordinal);
            }
        }
    }

    // A store double that answers every script with one reply (requests come from one test thread at a time; the
    // reply is immutable).
    private sealed class AnsweringStore(RedisResult reply) : ClusterGroups.Storage.IRedisStore
    {
        public Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args) => Task.FromResult(reply);

        public Task<RedisResult> ExecuteAsync(string command, params RedisValue[] args) =>
            throw new NotSupportedException("a batch sends scripts only");
    }
}
