using Garnet;

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
