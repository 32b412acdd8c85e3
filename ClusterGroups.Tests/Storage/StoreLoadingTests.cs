using System.Globalization;
using ClusterGroups.Storage;
using ClusterGroups.Tests.Cluster;
using ClusterGroups.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Storage;

// A redis-server killed and restarted answers LOADING to every command until it has replayed its data. Nothing ran:
// to RedisStore's callers that is an unavailable store (StoreUnavailableException, retried or answered 503), not a
// script's error. Taken for one, it stopped the Api: its replica announcer let it out of its loop after kill -9 of a
// redis-server coordinator (RedisServerStoreKillTests, about one run in four on a loaded machine).
public sealed class StoreLoadingTests(ITestOutputHelper output)
{
    // Enough keys that replaying them at LoadDelay each takes seconds: a window the client surely reconnects in.
    private const int Keys = 40_000;

    // redis-server's own key-load-delay (microseconds per key while it loads its snapshot).
    private const int LoadDelay = 300;

    [SkippableFact]
    public async Task A_redis_server_replaying_its_data_after_kill_9_is_an_unavailable_store_to_a_connected_client()
    {
        RedisServerClusterFixture.Require();
        var dataDir = Directory.CreateTempSubdirectory("cg-loading-").FullName;
        var port = FreePorts.Pick();
        string[] Args(params string[] more) =>
        [
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dataDir,
            "--appendonly", "yes", "--save", "", "--protected-mode", "no", .. more,
        ];

        await using var first = await StoreProcess.StartAsync("redis-server", "redis-server", Args(), dataDir, port: port);
        var db = first.Connection.GetDatabase();
        await db.ScriptEvaluateAsync($"for i = 1, {Keys} do redis.call('SET', 'k' .. i, i) end return 1").WaitAsync(Wait.Request);
        // Into the append-only file's snapshot part, which the restart loads key by key (LoadDelay each).
        await first.Connection.GetServer("127.0.0.1", port).ExecuteAsync("BGREWRITEAOF").WaitAsync(Wait.Request);
        await Wait.UntilAsync(async () =>
            (await first.Connection.GetServer("127.0.0.1", port).InfoAsync("persistence")).SelectMany(g => g)
                .Any(p => p.Key == "aof_rewrite_in_progress" && p.Value == "0"),
            Wait.Resource, "the append-only file rewritten");

        // The client under test, connected before the crash as a node's or the Api's is.
        var options = ConfigurationOptions.Parse($"127.0.0.1:{port}");
        options.AbortOnConnectFail = false;
        // Tries again soon after a reconnect that failed: redis-server's own handshake replies can fail while it
        // loads, and the library's default backs off for seconds, past the loading window.
        options.ReconnectRetryPolicy = new LinearRetry(100);
        await using var client = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(Wait.Request);
        var store = new RedisStore(client);
        Assert.Equal(1, (long)await store.EvaluateAsync("return 1", [], []));

        await first.KillAsync();
        await using var second = await StoreProcess.StartAsync("redis-server", "redis-server",
            // Answering between keys, not only once the whole file is read (it would not answer at all meanwhile).
            Args("--key-load-delay", LoadDelay.ToString(CultureInfo.InvariantCulture), "--loading-process-events-interval-bytes", "1024"), dataDir, port: port, connect: false);

        var loading = 0;
        var unavailable = 0;
        var other = new HashSet<string>();
        await Wait.UntilAsync(async () =>
        {
            try
            {
                return (long)await store.EvaluateAsync("return 1", [], []) == 1;
            }
            catch (StoreUnavailableException e)
            {
                unavailable++;
                // The library says it either way: the server's own LOADING reply (which RedisStore let out as a script's
                // error), or a failed connection of the kind Loading.
                if (e.InnerException is RedisServerException { Message: var m } && m.StartsWith("LOADING", StringComparison.Ordinal)
                    || e.InnerException is RedisConnectionException { FailureType: ConnectionFailureType.Loading })
                {
                    loading++;
                }
                else
                {
                    other.Add(e.Message.Split(" - ")[0][..Math.Min(e.Message.Length, 120)]);
                }

                return false;
            }
        }, Wait.Resource, "the restarted redis-server answers the client");

        output.WriteLine($"{unavailable} calls answered unavailable while it was down or loading, {loading} of them LOADING");
        Assert.True(loading > 0, $"no call met the store loading ({unavailable} unavailable: {string.Join("; ", other)}): the test did not reach what it tests\n{second.Output}");
    }
}
