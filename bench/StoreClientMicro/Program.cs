using System.Diagnostics;
using ClusterGroups.Storage;
using StackExchange.Redis;

// RedisStore against one embedded store (ClusterGroups.Store, Release, the AppHost's Garnet arguments), a script of 7
// HINCRBY as a node's create is several writes, three ways, rounds interleaved so a shared machine's load falls on all
// alike:
//   pipelined    RedisStore as it is: the COMMITAOF goes right behind the call on the connection (GroupCommit);
//   after-reply  the call, then a COMMITAOF sent once its reply came (what GroupCommit did before, exactly so at c=1);
//   none         no commit (Cluster:DurableAcks=false: answers before the log is durable).
// Prints per way and concurrency: calls/s, p50, p99.
// usage: dotnet build -c Release ClusterGroups.Store && dotnet run -c Release --project bench/StoreClientMicro [seconds] [rounds]
var seconds = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 3;
var rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
var storeDll = Path.Combine(root, "ClusterGroups.Store/bin/Release/net10.0/ClusterGroups.Store.dll");
var dir = Directory.CreateTempSubdirectory("store-client-micro").FullName;
var port = Random.Shared.Next(20000, 25000);
var storeArgs = $"{storeDll} --port {port} --bind 127.0.0.1 --checkpointdir {dir} --logdir {dir} --aof --recover --storage-tier " +
    "--memory 2g --index 16m --aof-memory 64m --lua --device-type RandomAccess --aof-commit-freq 1000 --lua-transaction-mode";
using var store = Process.Start(new ProcessStartInfo("dotnet", storeArgs) { RedirectStandardOutput = true, RedirectStandardError = true })!;
try
{
    var options = ConfigurationOptions.Parse($"127.0.0.1:{port}");
    options.AbortOnConnectFail = false;
    options.SocketManager = SocketManager.ThreadPool;
    using var redis = await ConnectAsync(options);
    const string script = "for i=1,7 do redis.call('HINCRBY', KEYS[1], 'f'..i, 1) end return 1";
    var db = redis.GetDatabase();
    var pipelined = new RedisStore(redis);
    var uncommitted = new RedisStore(redis, commitLog: false);
    var ways = new (string Name, Func<RedisKey, Task> Call)[]
    {
        ("pipelined", key => pipelined.EvaluateAsync(script, [key], [])),
        ("after-reply", async key =>
        {
            await uncommitted.EvaluateAsync(script, [key], []);
            await db.ExecuteAsync("COMMITAOF");
        }),
        ("none", key => uncommitted.EvaluateAsync(script, [key], [])),
    };
    foreach (var way in ways)
    {
        await Run(way.Call, 1, 0.5); // warm-up
    }

    Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
    foreach (var concurrency in new[] { 1, 16 })
    {
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var way in ways)
            {
                var (rate, p50, p99) = await Run(way.Call, concurrency, seconds);
                Console.WriteLine($"c={concurrency} round {round} {way.Name,-11} {rate,8:F0} calls/s  p50 {p50:F3} ms  p99 {p99:F3} ms");
            }
        }
    }

    Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
}
finally
{
    store.Kill();
    await store.WaitForExitAsync();
    Directory.Delete(dir, recursive: true);
}

static async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions options)
{
    var deadline = Stopwatch.StartNew();
    var redis = await ConnectionMultiplexer.ConnectAsync(options);
    while (!redis.IsConnected || !await Pings(redis))
    {
        if (deadline.Elapsed > TimeSpan.FromSeconds(60))
        {
            throw new TimeoutException("the store did not answer within 60 s");
        }

        await Task.Delay(200);
    }

    return redis;
}

static async Task<bool> Pings(ConnectionMultiplexer redis)
{
    try
    {
        await redis.GetDatabase().PingAsync();
        return true;
    }
    catch (RedisException)
    {
        return false;
    }
}

static async Task<(double Rate, double P50, double P99)> Run(Func<RedisKey, Task> call, int concurrency, double seconds)
{
    var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
    var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
    {
        var took = new List<double>();
        var n = 0;
        while (Stopwatch.GetTimestamp() < until)
        {
            var start = Stopwatch.GetTimestamp();
            await call($"h:{w}:{n++ % 1000}");
            took.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return took;
    })).ToList();
    var all = (await Task.WhenAll(workers)).SelectMany(t => t).Order().ToList();
    return (all.Count / seconds, all[all.Count / 2], all[(int)(all.Count * 0.99)]);
}
