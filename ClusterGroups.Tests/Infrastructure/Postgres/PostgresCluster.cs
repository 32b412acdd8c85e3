using System.Globalization;
using ClusterGroups.AppHost.Cluster;
using Npgsql;

namespace ClusterGroups.Tests.Infrastructure.Postgres;

// A primary and 1 or 2 standbys of real PostgreSQL on this machine, replicating synchronously: every commit on the
// primary waits until ANY 1 of the others has flushed its WAL (synchronous_commit=on, synchronous_standby_names =
// 'ANY 1 (pg0, pg1, ...)', every instance named, so the same text holds on whichever becomes primary; an instance
// never waits for itself; a single instance gets none: it would wait for a standby named after itself for ever). Each
// standby streams through a replication slot of its own on the primary.
//   2 instances: a primary and one synchronous standby. Once the standby is promoted nothing can acknowledge its
//                commits: they wait (committed locally, unacknowledged) until a client gives up.
//   3 instances: a quorum. Losing any one leaves a primary with a synchronous standby.
// Made in a folder of its own under the temp folder (short: the Unix sockets live there too), removed on dispose,
// as are the processes (also when the test failed, and at the test host's exit).
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly PostgresBinaries _binaries;
    private readonly string _root;
    private readonly List<PostgresInstance> _instances;

    private PostgresCluster(PostgresBinaries binaries, string root, List<PostgresInstance> instances) =>
        (_binaries, _root, _instances, Primary) = (binaries, root, instances, instances[0]);

    public IReadOnlyList<PostgresInstance> Instances => _instances;

    // The instance the harness made primary (the first, until PromoteAsync). A paused or killed one stays so here.
    public PostgresInstance Primary { get; private set; }

    public IEnumerable<PostgresInstance> Standbys => _instances.Where(i => i != Primary);

    public PostgresInstance this[string name] => _instances.Single(i => i.Name == name);

    // Why a cluster cannot be made here (no PostgreSQL, or root without the postgres account), or null.
    public static string? Problem => PostgresBinaries.Problem();

    // What the Api would be given: every instance, and Npgsql picks the one that is a primary (not in recovery).
    public string ConnectionString => MultiHost().ConnectionString;

    public NpgsqlConnectionStringBuilder MultiHost(int timeoutSeconds = 15) => new()
    {
        Host = string.Join(',', _instances.Select(i => $"127.0.0.1:{i.Port}")),
        TargetSessionAttributes = "primary",
        Username = "postgres",
        Database = "postgres",
        Timeout = timeoutSeconds,
        ApplicationName = "harness",
    };

    public static async Task<PostgresCluster> StartAsync(int instances, CancellationToken ct)
    {
        if (instances is < 1 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(instances), "1 to 3 instances.");
        }

        var binaries = PostgresBinaries.Find() ?? throw new InvalidOperationException(Problem);
        var root = Path.Combine(Path.GetTempPath(), $"cg-pg-{Guid.NewGuid():N}"[..14]);
        PostgresBinaries.PrepareDirectory(root);
        var names = Enumerable.Range(0, instances).Select(i => $"pg{i}").ToList();
        var cluster = new PostgresCluster(binaries, root,
            [.. names.Select(name => new PostgresInstance(binaries, name, Path.Combine(root, name), root, FreePorts.Pick()))]);
        try
        {
            await cluster.InitPrimaryAsync(names, ct);
            foreach (var standby in cluster.Standbys)
            {
                await cluster.CloneAsync(standby, ct);
            }

            if (instances > 1)
            {
                await cluster.WaitForSynchronousStandbyAsync(instances - 1, ct);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task InitPrimaryAsync(IReadOnlyList<string> names, CancellationToken ct)
    {
        // --no-sync: initdb's own fsyncs only; the server runs with fsync on.
        await RunAsync("initdb", ["-D", Primary.DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], ct);
        // Copied to every standby by pg_basebackup, so one text for all; per instance only port and name (command line).
        await File.AppendAllTextAsync(Path.Combine(Primary.DataDirectory, "postgresql.conf"), $"""

            # ClusterGroups test harness (Tests/Infrastructure/Postgres/PostgresCluster.cs)
            listen_addresses = '127.0.0.1'
            max_connections = 60
            shared_buffers = 16MB
            wal_level = replica
            max_wal_senders = 10
            max_replication_slots = 10
            hot_standby = on
            synchronous_commit = on
            synchronous_standby_names = '{(names.Count > 1 ? $"ANY 1 ({string.Join(", ", names)})" : "")}'
            wal_receiver_status_interval = 1s
            wal_sender_timeout = 10s
            wal_receiver_timeout = 10s
            recovery_target_timeline = 'latest'
            """, ct);
        await Primary.StartAsync(ct);
    }

    // pg_basebackup of the current primary through a slot named after the standby, which then streams from it.
    private async Task CloneAsync(PostgresInstance standby, CancellationToken ct)
    {
        await EnsureSlotAsync(Primary, standby.Name, ct);
        await RunAsync("pg_basebackup", ["-D", standby.DataDirectory, "-X", "stream", "-S", standby.Name, "-R", "--no-sync",
            "-d", $"host=127.0.0.1 port={Primary.Port} user=postgres application_name={standby.Name}"], ct);
        await standby.StartAsync(ct);
    }

    private static async Task EnsureSlotAsync(PostgresInstance on, string slot, CancellationToken ct) =>
        await on.QueryAsync<object>(
            $"SELECT pg_create_physical_replication_slot('{slot}') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '{slot}')", ct);

    // Until the primary has at least `count` standbys streaming that count for synchronous commits.
    public Task WaitForSynchronousStandbyAsync(int count = 1, CancellationToken ct = default) =>
        Wait.UntilAsync(async () => await SynchronousStandbysAsync(ct) >= count, Wait.Resource,
            $"{count} synchronous standby(s) streaming from {Primary.Name}");

    public async Task<long> SynchronousStandbysAsync(CancellationToken ct = default) =>
        await Primary.QueryAsync<long>("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')", ct);

    // The running standby that received the most WAL: the one to promote, so that no commit the quorum acknowledged
    // is lost (with ANY 1, an acknowledged commit may be on one standby only).
    public async Task<PostgresInstance> MostAdvancedStandbyAsync(CancellationToken ct = default)
    {
        PostgresInstance? best = null;
        var bestLsn = ulong.MinValue;
        foreach (var standby in Standbys.Where(s => s.IsRunning && !s.IsPaused))
        {
            var lsn = ParseLsn(await standby.QueryAsync<string>("SELECT pg_last_wal_receive_lsn()::text", ct));
            if (best is null || lsn > bestLsn)
            {
                (best, bestLsn) = (standby, lsn);
            }
        }

        return best ?? throw new InvalidOperationException("No running standby to promote.");
    }

    // pg_promote on the standby, then every other running, unpaused standby follows it (its own slot there, a new
    // primary_conninfo, a reload; recovery_target_timeline = latest takes it onto the new timeline). The old primary
    // is left as it is: killed, paused or running, it is not told (that is what a failover without fencing does).
    public async Task PromoteAsync(PostgresInstance standby, CancellationToken ct = default)
    {
        if (!await standby.QueryAsync<bool>("SELECT pg_promote(true, 60)", ct))
        {
            throw new InvalidOperationException($"{standby.Name} was not promoted within 60 s:\n{standby.LogTail}");
        }

        var old = Primary;
        Primary = standby;
        var followers = _instances.Where(i => i != standby && i != old && i.IsRunning && !i.IsPaused).ToList();
        foreach (var follower in followers)
        {
            await FollowAsync(follower, ct);
        }

        if (followers.Count > 0)
        {
            await WaitForSynchronousStandbyAsync(1, ct);
        }
    }

    private async Task FollowAsync(PostgresInstance follower, CancellationToken ct)
    {
        await EnsureSlotAsync(Primary, follower.Name, ct);
        await follower.QueryAsync<object>(
            $"ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port={Primary.Port} user=postgres application_name={follower.Name}'", ct);
        await follower.QueryAsync<object>($"ALTER SYSTEM SET primary_slot_name = '{follower.Name}'", ct);
        await follower.QueryAsync<bool>("SELECT pg_reload_conf()", ct);
    }

    internal static ulong ParseLsn(string? text)
    {
        if (text is null)
        {
            return 0;
        }

        var parts = text.Split('/');
        return (ulong.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) << 32)
               | ulong.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    private async Task RunAsync(string program, IReadOnlyList<string> args, CancellationToken ct)
    {
        using var process = System.Diagnostics.Process.Start(_binaries.StartInfo(program, args))!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).WaitAsync(Wait.Resource, ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}:\n{await output}{await error}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held for a moment by a dying process; the temp folder is cleaned by the OS in the end.
        }
    }
}
