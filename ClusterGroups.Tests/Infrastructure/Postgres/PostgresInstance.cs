using System.Collections.Concurrent;
using System.Diagnostics;
using ClusterGroups.AppHost.Cluster;
using Npgsql;

namespace ClusterGroups.Tests.Infrastructure.Postgres;

// One real PostgreSQL server: a data folder and a postgres process on 127.0.0.1, a port of its own (outside the
// kernel's ephemeral range, 32768-60999, where outgoing connections take theirs) and its Unix socket in the cluster's
// folder. Faults are the real ones: Kill (kill -9 of the whole process tree), Pause/Resume (SIGSTOP/SIGCONT of it),
// Stop (a fast shutdown). Made by PostgresCluster: the primary by initdb, a standby by pg_basebackup from it.
public sealed class PostgresInstance : IAsyncDisposable
{
    // Every process started here, stopped at the test host's exit even if a test forgot its cluster.
    private static readonly ConcurrentDictionary<PostgresInstance, byte> Running = new();

    private readonly PostgresBinaries _binaries;
    private readonly string _socketDirectory;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    // Also when the test host is stopped (SIGTERM, SIGINT): the servers would outlive it otherwise. Kept referenced: a
    // collected registration unregisters itself.
    internal static readonly System.Runtime.InteropServices.PosixSignalRegistration[] OnSignals =
        [.. new[] { System.Runtime.InteropServices.PosixSignal.SIGTERM, System.Runtime.InteropServices.PosixSignal.SIGINT }
            .Select(signal => System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, _ => KillAll()))];

    static PostgresInstance() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    private static void KillAll()
    {
        foreach (var instance in Running.Keys)
        {
            instance.KillTree();
        }
    }

    internal PostgresInstance(PostgresBinaries binaries, string name, string dataDirectory, string socketDirectory, int port)
    {
        (_binaries, Name, DataDirectory, _socketDirectory, Port) = (binaries, name, dataDirectory, socketDirectory, port);
    }

    // Its application_name as a standby (what synchronous_standby_names lists) and its replication slot's name.
    public string Name { get; }
    public string DataDirectory { get; }
    public int Port { get; private set; }

    // The postmaster's process id while it runs (as root the process started is postgres itself: setpriv execs it).
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public bool IsRunning => _process is { HasExited: false };
    public bool IsPaused => Pid is { } pid && ProcessTree.IsStopped(pid);

    // One connection per open, no pool: a test's checks never get a connection to a server that died meanwhile.
    public string ConnectionString => Connection().ConnectionString;

    // Generous timeouts: the tests share two cores with whatever else runs.
    public NpgsqlConnectionStringBuilder Connection(int timeoutSeconds = 15) => new()
    {
        CommandTimeout = 120,
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = "postgres",
        Pooling = false,
        Timeout = timeoutSeconds,
        ApplicationName = "harness",
    };

    // The last lines postgres wrote (stderr), for the message of a failed wait.
    public string LogTail => string.Join('\n', _log.TakeLast(40));

    public async Task StartAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            Launch();
            try
            {
                await WaitUntilAcceptingAsync(ct);
                return;
            }
            catch (PostgresStartException) when (attempt < 5 && _log.Any(l => l.Contains("could not bind", StringComparison.Ordinal)))
            {
                // Someone took the port between the check and the bind: another one.
                Port = FreePorts.Pick();
            }
        }
    }

    private void Launch()
    {
        _log.Clear();
        var process = Process.Start(_binaries.StartInfo("postgres",
            ["-D", DataDirectory, "-p", $"{Port}", "-k", _socketDirectory, "-c", $"cluster_name={Name}"]))!;
        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Running[this] = 0;
    }

    private void Log(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > 400 && _log.TryDequeue(out _))
        {
        }
    }

    // Until a connection opens and answers (a standby answers once its replay is consistent). Fails at once with
    // postgres' own words if the process exits instead.
    public async Task WaitUntilAcceptingAsync(CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (_process is not { HasExited: false })
            {
                throw new PostgresStartException($"{Name} exited while starting:\n{LogTail}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(Connection(timeoutSeconds: 2).ConnectionString);
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(ct);
                return;
            }
            catch (NpgsqlException) when (waited.Elapsed < Wait.Resource)
            {
                // Refused, or "the database system is starting up": not yet.
            }
            catch (NpgsqlException e)
            {
                throw new PostgresStartException($"{Name} did not accept connections on port {Port} within {Wait.Resource.TotalSeconds:0}s ({e.Message}):\n{LogTail}");
            }

            await Task.Delay(50, ct);
        }
    }

    // kill -9 of the postmaster and every backend: what losing the machine does to the processes (the files stay,
    // as a disk that survives would).
    public void Kill()
    {
        KillTree();
        _process?.WaitForExit(10_000);
        Running.TryRemove(this, out _);
    }

    private void KillTree()
    {
        if (Pid is { } pid)
        {
            ProcessTree.Signal(pid, ProcessTree.Kill);
        }
    }

    // SIGSTOP of the whole tree: a frozen machine. Its sockets stay open; nothing answers.
    public void Pause()
    {
        var pid = Pid ?? throw new InvalidOperationException($"{Name} is not running.");
        ProcessTree.Signal(pid, ProcessTree.Stop);
    }

    public void Resume()
    {
        var pid = Pid ?? throw new InvalidOperationException($"{Name} is not running.");
        ProcessTree.Signal(pid, ProcessTree.Continue);
    }

    // A fast shutdown (SIGINT: open transactions rolled back, a checkpoint written); kill -9 if it takes too long.
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        if (IsPaused)
        {
            Resume();
        }

        ProcessTree.Signal(process.Id, ProcessTree.Interrupt);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree();
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }

        Running.TryRemove(this, out _);
    }

    // The rest of the harness' SQL: one statement on a fresh connection.
    public async Task<T?> QueryAsync<T>(string sql, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(ct);
        return value is null or DBNull ? default : (T)value;
    }

    public async Task<bool> IsInRecoveryAsync(CancellationToken ct = default) =>
        await QueryAsync<bool>("SELECT pg_is_in_recovery()", ct);

    // The timeline it writes on (a promotion starts a new one): the first 8 hex digits of its current WAL file.
    public async Task<int> TimelineAsync(CancellationToken ct = default)
    {
        var file = await QueryAsync<string>(
            "SELECT pg_walfile_name(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)", ct);
        return Convert.ToInt32(file![..8], 16);
    }


    // kill -9 rather than a shutdown: the data is thrown away, and a slow checkpoint on a loaded machine could outlast
    // the test host, leaving the server behind.
    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresStartException(string message) : Exception(message);
