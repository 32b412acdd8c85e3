using System.Diagnostics;
using ClusterGroups.Tests.Infrastructure;
using StackExchange.Redis;

namespace ClusterGroups.Tests.Storage;

// A real store process started by a test on a free port (Garnet through ClusterGroups.Store, or redis-server), with a
// connection that may flush it between cases. Killed (with its tree) on dispose.
public sealed class StoreProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private StoreProcess(string name, Process process, int port, string dataDir)
    {
        (Name, _process, Port, DataDir) = (name, process, port, dataDir);
    }

    public string Name { get; }
    public int Port { get; }
    public string DataDir { get; }
    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public string Output => string.Join('\n', _output);

    public static async Task<StoreProcess> StartAsync(string name, string fileName, IEnumerable<string> args, string dataDir,
        IReadOnlyDictionary<string, string>? environment = null, int? port = null, bool connect = true)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name}: {fileName} did not start");
        var store = new StoreProcess(name, process, port ?? 0, dataDir);
        process.OutputDataReceived += (_, e) => store.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => store.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (connect)
            {
                await store.ConnectAsync();
            }
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }

        return store;
    }

    // A port nobody listens on now (the system's choice of a free one).

    private void Remember(string? line)
    {
        if (line is not null && _output.Count < 500)
        {
            _output.Enqueue(line);
        }
    }

    private async Task ConnectAsync()
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{Port}");
        options.AllowAdmin = true;
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2_000;
        options.SyncTimeout = options.AsyncTimeout = 10_000;
        Connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(Wait.Request);
        await Wait.UntilAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                await Connection.GetDatabase().PingAsync();
                return true;
            }
            catch (RedisException)
            {
                return false;
            }
        }, Wait.Resource, $"{Name} answers PING on port {Port}");
    }

    /// <summary>kill -9 of the process (with its tree): a crash. Its data folder stays, for a restart on it.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(Wait.Resource);
        }
    }

    public Task FlushAsync() => Connection.GetServer("127.0.0.1", Port).FlushAllDatabasesAsync();

    public async ValueTask DisposeAsync()
    {
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
        }

        await KillAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
