using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Keyspace;
using StackExchange.Redis;

namespace ClusterGroups.UnitTests.Simulation;

// Scripts in the in-process store: compiled once, atomic, and refused where Garnet and redis-server would run them
// differently (ClusterGroups.Tests/Storage holds the rest against both real stores).
public sealed class InProcessStoreScriptTests
{
    [Fact]
    public async Task Each_distinct_script_is_compiled_once_per_store()
    {
        using var store = new InProcessStore();
        var groups = new GroupStore(store);
        for (var i = 0; i < 50; i++)
        {
            await groups.CreateAsync($"g{i}", $"k{i}", i + 1);
        }

        Assert.Equal(1, store.CompiledScripts);
        // Another string of the same text (found by text, not compiled again); without its arguments it fails when run.
        await Assert.ThrowsAsync<RedisServerException>(() => store.EvaluateAsync(new string(NodeScripts.Create.ToCharArray()), ["groups"], []));
        Assert.Equal(1, store.CompiledScripts);
        await groups.AbortAsync("g1", "k99", 100);
        Assert.Equal(2, store.CompiledScripts);
    }

    [Fact]
    public async Task A_command_against_a_key_of_another_type_fails_with_WRONGTYPE_and_changes_nothing()
    {
        using var store = new InProcessStore();
        await store.ExecuteAsync("SET", "s", "v");

        var direct = await Assert.ThrowsAsync<RedisServerException>(() => store.ExecuteAsync("HSET", "s", "f", "v"));
        var called = await Assert.ThrowsAsync<RedisServerException>(() => store.EvaluateAsync("return redis.call('SADD', KEYS[1], 'm')", ["s"], []));
        var caught = await store.EvaluateAsync("return redis.pcall('ZADD', KEYS[1], 1, 'm').err", ["s"], []);

        Assert.StartsWith("WRONGTYPE", direct.Message, StringComparison.Ordinal);
        Assert.StartsWith("WRONGTYPE", called.Message, StringComparison.Ordinal);
        Assert.StartsWith("WRONGTYPE", (string?)caught, StringComparison.Ordinal);
        Assert.Equal("v", (string?)await store.ExecuteAsync("GET", "s"));
        await Assert.ThrowsAsync<RedisServerException>(() => store.ExecuteAsync("NOSUCH", "s"));
    }

    [Fact]
    public async Task A_script_that_touches_a_key_not_in_its_KEYS_fails_unless_the_store_allows_it()
    {
        const string script = "redis.call('SET', 'elsewhere', ARGV[1]) return 1";
        using var strict = new InProcessStore();
        using var lenient = new InProcessStore(declaredKeysOnly: false);

        var refused = await Assert.ThrowsAsync<RedisServerException>(() => strict.EvaluateAsync(script, ["declared"], ["v"]));

        Assert.Contains("'elsewhere'", refused.Message, StringComparison.Ordinal);
        Assert.True((await strict.ExecuteAsync("GET", "elsewhere")).IsNull);
        Assert.Equal(1, (long)await lenient.EvaluateAsync(script, ["declared"], ["v"]));
        Assert.Equal("v", (string?)await lenient.ExecuteAsync("GET", "elsewhere"));
    }

    [Fact]
    public async Task A_float_given_to_redis_call_fails_since_the_real_stores_would_write_it_differently()
    {
        using var store = new InProcessStore();

        var refused = await Assert.ThrowsAsync<RedisServerException>(() => store.EvaluateAsync("return redis.call('SET', KEYS[1], 10 / 2)", ["k"], []));

        Assert.Contains("float (5)", refused.Message, StringComparison.Ordinal);
        Assert.Equal("5", (string?)await store.EvaluateAsync("redis.call('SET', KEYS[1], 10 // 2) return redis.call('GET', KEYS[1])", ["k"], []));
    }

    [Fact]
    public async Task Scripts_run_one_at_a_time_and_every_call_is_done_when_it_returns()
    {
        // A read-modify-write: interleaved, two runs would read the same value and an increment would be lost.
        const string increment = "local v = redis.call('GET', KEYS[1]) or '0' redis.call('SET', KEYS[1], tonumber(v) + 1) return 1";
        const int threads = 4, runs = 5_000;
        using var store = new InProcessStore();
        using var start = new Barrier(threads);
        var notDone = 0;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait(TimeSpan.FromMinutes(1));
            for (var i = 0; i < runs; i++)
            {
                if (!store.EvaluateAsync(increment, ["n"], []).IsCompletedSuccessfully)
                {
                    Interlocked.Increment(ref notDone);
                }
            }
        })).ToList();
        workers.ForEach(worker => worker.Start());
        foreach (var worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromMinutes(2)), "a worker did not finish");
        }

        Assert.Equal(0, notDone);
        Assert.Equal($"{threads * runs}", (string?)await store.ExecuteAsync("GET", "n"));
    }
}
