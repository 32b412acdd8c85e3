using Garnet;

// With --aof-commit-wait a session blocks its thread-pool thread until its reply's log record is written (Garnet:
// "must block, we're on the network thread"). With the pool's minimum of one thread per core, 32 connections
// waiting at once starved the pool: replies stalled up to 3 s while the pool grew a thread at a time (redis-benchmark
// -c 32 here: 4 500 writes/s, max 3 000 ms; with this minimum 14 100/s, max 78 ms).
ThreadPool.GetMinThreads(out var workers, out var completions);
ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completions, 64));

// Arguments are Garnet's own (--port, --bind, --checkpointdir, --aof, --recover, ...); the AppHost passes them.
// STORE_PORT (set by Aspire from the resource's endpoint) wins over a --port in args.
var arguments = args.ToList();
if (Environment.GetEnvironmentVariable("STORE_PORT") is { Length: > 0 } port)
{
    arguments.AddRange(["--port", port]);
}

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopping.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stopping.Cancel();

using var server = new GarnetServer([.. arguments]);
server.Start();
Console.WriteLine($"store ready: garnet {string.Join(' ', arguments)}");

try
{
    await Task.Delay(Timeout.Infinite, stopping.Token);
}
catch (OperationCanceledException)
{
    // Stop requested: make the append-only file durable before the process goes.
    await server.Store.CommitAOFAsync(CancellationToken.None);
}
