using System.Collections.Concurrent;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Postgres;

// What PostgreSQL's synchronous replication does under the faults the coordinator must survive, shown on real
// instances (PostgresCluster): the design input of the PostgreSQL coordinator (docs/ARCHITECTURE.md, "A PostgreSQL
// coordinator"). Each test makes its own cluster: they kill, pause and promote.
public sealed class SynchronousReplicationTests(ITestOutputHelper output)
{
    private static async Task<PostgresCluster> StartAsync(int instances)
    {
        PostgresRequirement.Check();
        using var timeout = new CancellationTokenSource(Wait.AppStart);
        var cluster = await PostgresCluster.StartAsync(instances, timeout.Token);
        await cluster.Primary.QueryAsync<object>("CREATE TABLE t (id int PRIMARY KEY)");
        return cluster;
    }

    private static async Task<bool> HasAsync(PostgresInstance instance, int id) =>
        await instance.QueryAsync<long>($"SELECT count(*) FROM t WHERE id = {id}") == 1;

    // A client that bounds the wait itself and breaks the connection rather than cancel the wait (Cancellation
    // Timeout = -1): an unacknowledged commit is then an error, never a success. A write expected to go through gets
    // a long bound (the machine may be slow), one expected to wait for ever a short one.
    private static NpgsqlConnectionStringBuilder Bounded(NpgsqlConnectionStringBuilder connection, string applicationName, int seconds = 2)
    {
        connection.CommandTimeout = seconds;
        connection.CancellationTimeout = -1;
        connection.ApplicationName = applicationName;
        return connection;
    }

    [SkippableFact]
    public async Task An_acknowledged_commit_is_already_flushed_on_the_standby()
    {
        await using var cluster = await StartAsync(2);
        var standby = cluster.Standbys.Single();
        for (var id = 1; id <= 20; id++)
        {
            await using var connection = new NpgsqlConnection(cluster.Primary.ConnectionString);
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var insert = new NpgsqlCommand($"INSERT INTO t VALUES ({id})", connection, transaction))
            {
                await insert.ExecuteNonQueryAsync();
            }

            // The commit record goes after this point of the WAL.
            await using var lsn = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()::text", connection, transaction);
            var before = PostgresCluster.ParseLsn((string?)await lsn.ExecuteScalarAsync());
            await transaction.CommitAsync();

            // No wait: the acknowledgement came after the standby synced it to disk.
            var flushed = PostgresCluster.ParseLsn(await standby.QueryAsync<string>("SELECT pg_last_wal_receive_lsn()::text"));
            Assert.True(flushed > before, $"commit {id} acknowledged at {before:X} while the standby had flushed only {flushed:X}");
        }

        // Visible there once replayed (replay follows the flush; synchronous_commit=on does not wait for it).
        await Wait.UntilAsync(() => HasAsync(standby, 20), Wait.Resource, "the last row replayed on the standby");
    }

    [SkippableFact]
    public async Task With_the_synchronous_standby_paused_a_commit_waits_unacknowledged_and_unseen_by_other_sessions()
    {
        await using var cluster = await StartAsync(2);
        var standby = cluster.Standbys.Single();
        standby.Pause();

        var write = CommitProbe.WriteAsync(Named(cluster.Primary.Connection(), "waiting-writer"), "INSERT INTO t VALUES (1)");
        await CommitProbe.WaitForSyncRepWaitAsync(cluster.Primary, "waiting-writer");

        // Its commit record is in the primary's WAL, but until acknowledged the transaction still counts as running:
        // no other session sees the row (and its row locks are held).
        Assert.False(write.IsCompleted);
        Assert.False(await HasAsync(cluster.Primary, 1));

        standby.Resume();
        var result = await write.WaitAsync(Wait.Resource);
        Assert.True(result.Replicated, $"acknowledged once the standby is back: {result.Error}");
        await Wait.UntilAsync(() => HasAsync(standby, 1), Wait.Resource, "the row on the standby");
    }

    [SkippableFact]
    public async Task A_cancelled_wait_for_the_standby_reads_as_success_yet_the_commit_is_lost_by_a_failover()
    {
        await using var cluster = await StartAsync(2);
        var (primary, standby) = (cluster.Primary, cluster.Standbys.Single());
        // Stopped, not paused: a paused standby's kernel still buffers what the primary streams (up to the socket
        // buffer), and on SIGCONT it takes that in; stopped, it receives nothing.
        await standby.StopAsync();

        // A writer still waiting when the primary's machine is lost.
        var waiting = CommitProbe.WriteAsync(Named(primary.Connection(), "waiting"), "INSERT INTO t VALUES (1)");
        await CommitProbe.WaitForSyncRepWaitAsync(primary, "waiting");

        // 1. The caller's token cancelled while the commit waits: Npgsql sends a cancel request; PostgreSQL stops
        //    waiting and answers the INSERT as done, plus a WARNING.
        using var abort = new CancellationTokenSource();
        var byTokenTask = CommitProbe.WriteAsync(Named(primary.Connection(), "token"), "INSERT INTO t VALUES (2)", abort.Token);
        await CommitProbe.WaitForSyncRepWaitAsync(primary, "token");
        await abort.CancelAsync();
        var byToken = await byTokenTask.WaitAsync(Wait.Request);

        // 2. Npgsql's own CommandTimeout with the default Cancellation Timeout: the same cancel request, the same "success".
        var timedOut = Named(primary.Connection(), "timeout");
        timedOut.CommandTimeout = 2;
        var byTimeout = await CommitProbe.WriteAsync(timedOut, "INSERT INTO t VALUES (3)");

        // 3. CommandTimeout with Cancellation Timeout = -1: Npgsql breaks the connection instead; the client gets an error.
        var broken = await CommitProbe.WriteAsync(Bounded(primary.Connection(), "bounded"), "INSERT INTO t VALUES (4)");

        foreach (var (name, result) in new[] { ("token", byToken), ("CommandTimeout", byTimeout), ("Cancellation Timeout=-1", broken) })
        {
            output.WriteLine($"{name}: acknowledged={result.Acknowledged}, notices=[{string.Join("; ", result.Notices.Select(n => $"{n.SqlState} {n.MessageText}"))}], error={result.Error?.Message}");
        }

        Assert.True(byToken.Acknowledged && byToken.CancelledWaitWarned, "a cancelled token: success + warning");
        Assert.True(byTimeout.Acknowledged && byTimeout.CancelledWaitWarned, "CommandTimeout: success + warning");
        Assert.False(broken.Acknowledged, "Cancellation Timeout=-1: an error");
        Assert.False(byToken.Replicated || byTimeout.Replicated || broken.Replicated);

        // A cancelled wait ends the transaction: its row is now visible to every session on the primary, and is on
        // no standby. The writer still waiting is still invisible.
        foreach (var id in new[] { 1, 2, 3, 4 })
        {
            output.WriteLine($"row {id} visible on the primary: {await HasAsync(primary, id)}");
        }

        Assert.True(await HasAsync(primary, 2) && await HasAsync(primary, 3));
        Assert.False(await HasAsync(primary, 1));

        // The primary's machine is lost before the standby caught up: the standby is promoted without them. A
        // coordinator that took one of those "successes" as done would have answered on a write that no longer exists.
        primary.Kill();
        await standby.StartAsync(CancellationToken.None);
        await cluster.PromoteAsync(standby);
        foreach (var id in new[] { 1, 2, 3, 4 })
        {
            Assert.False(await HasAsync(standby, id), $"row {id} is not on the promoted standby");
        }

        Assert.False((await waiting.WaitAsync(Wait.Request)).Acknowledged, "the writer still waiting when the primary died got an error");
    }

    private static NpgsqlConnectionStringBuilder Named(NpgsqlConnectionStringBuilder connection, string applicationName)
    {
        connection.ApplicationName = applicationName;
        return connection;
    }

    [SkippableFact]
    public async Task Every_acknowledged_commit_survives_kill_9_of_the_primary_and_the_promotion()
    {
        await using var cluster = await StartAsync(2);
        var (old, standby) = (cluster.Primary, cluster.Standbys.Single());
        var (acknowledged, inDoubt) = await LoadUntilKilledAsync(cluster, acknowledgedBeforeKill: 300);

        await cluster.PromoteAsync(standby);
        var present = await PresentAsync(standby);
        var lost = acknowledged.Where(id => !present.Contains(id)).ToList();
        output.WriteLine($"{acknowledged.Count} acknowledged, {inDoubt.Count} in doubt ({inDoubt.Count(present.Contains)} of them committed), {lost.Count} lost");
        Assert.Empty(lost);

        // The Api's multi-host string finds the promoted one: the old one refuses connections.
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var port = new NpgsqlCommand("SELECT inet_server_port()", connection);
        Assert.Equal(standby.Port, (int)(await port.ExecuteScalarAsync())!);
        Assert.False(old.IsRunning);
    }

    [SkippableFact]
    public async Task With_two_instances_the_promoted_one_acknowledges_nothing_until_the_degraded_mode_is_chosen()
    {
        await using var cluster = await StartAsync(2);
        var standby = cluster.Standbys.Single();
        cluster.Primary.Kill();
        await cluster.PromoteAsync(standby);

        // Nothing can acknowledge: the write neither hangs for ever (the client's bound) nor succeeds unreplicated.
        var alone = await CommitProbe.WriteAsync(Bounded(standby.Connection(), "alone"), "INSERT INTO t VALUES (1)");
        Assert.False(alone.Acknowledged);
        Assert.True(await HasAsync(standby, 1), "yet committed locally: unknown, never done");
        Assert.Equal(0, await cluster.SynchronousStandbysAsync());

        // The documented degraded mode: an operator empties synchronous_standby_names. Writes are acknowledged with no
        // copy anywhere else, and that is visible (no synchronous standby), so a health check can say so.
        await standby.QueryAsync<object>("ALTER SYSTEM SET synchronous_standby_names = ''");
        await standby.QueryAsync<bool>("SELECT pg_reload_conf()");
        await Wait.UntilAsync(async () => await standby.QueryAsync<string>("SHOW synchronous_standby_names") == "", Wait.Resource, "the reload");
        var degraded = await CommitProbe.WriteAsync(Bounded(standby.Connection(), "degraded", seconds: 60), "INSERT INTO t VALUES (2)");
        Assert.True(degraded.Replicated, $"acknowledged in the degraded mode: {degraded.Error}");
        Assert.Equal(0, await cluster.SynchronousStandbysAsync());
    }

    [SkippableFact]
    public async Task With_three_instances_the_promoted_standby_keeps_a_synchronous_standby()
    {
        await using var cluster = await StartAsync(3);
        var (acknowledged, _) = await LoadUntilKilledAsync(cluster, acknowledgedBeforeKill: 300);

        // ANY 1: an acknowledged commit may be on one standby only, so the one that received the most is promoted.
        var promoted = await cluster.MostAdvancedStandbyAsync();
        await cluster.PromoteAsync(promoted);
        var present = await PresentAsync(promoted);
        var lost = acknowledged.Where(id => !present.Contains(id)).ToList();
        Assert.Empty(lost);

        // The other standby follows it and acknowledges its commits: writes go on, replicated.
        var follower = cluster.Standbys.Single(s => s.IsRunning);
        Assert.Equal(1, await cluster.SynchronousStandbysAsync());
        var after = await CommitProbe.WriteAsync(Bounded(promoted.Connection(), "after", seconds: 60), "INSERT INTO t VALUES (-1)");
        Assert.True(after.Replicated, $"acknowledged after the failover: {after.Error}");
        await Wait.UntilAsync(() => HasAsync(follower, -1), Wait.Resource, "the new row on the follower");
        Assert.True(await promoted.TimelineAsync() > 1);
    }

    [SkippableFact]
    public async Task A_paused_primary_resumed_after_a_promotion_is_a_second_primary_that_only_synchronous_commit_holds_back()
    {
        await using var cluster = await StartAsync(3);
        var old = cluster.Primary;
        old.Pause();
        var promoted = await cluster.MostAdvancedStandbyAsync();
        await cluster.PromoteAsync(promoted);
        old.Resume();

        // The old primary does not know: it is not in recovery, on the old timeline.
        Assert.False(await old.IsInRecoveryAsync());
        Assert.True(await promoted.TimelineAsync() > await old.TimelineAsync(), "the promoted one writes on a newer timeline");

        // A multi-host string with Target Session Attributes=primary takes the first host that is not in recovery:
        // with the old primary listed first, that is the old one.
        var multiHost = cluster.MultiHost();
        multiHost.Host = string.Join(',', new[] { old, promoted }.Select(i => $"127.0.0.1:{i.Port}"));
        await using (var connection = new NpgsqlConnection(multiHost.ConnectionString))
        {
            await connection.OpenAsync();
            await using var port = new NpgsqlCommand("SELECT inet_server_port()", connection);
            Assert.Equal(old.Port, (int)(await port.ExecuteScalarAsync())!);
        }

        // A write there with synchronous_commit=on is never acknowledged (no standby streams from it any more), but
        // it is committed there and readable there.
        var held = await CommitProbe.WriteAsync(Bounded(old.Connection(), "held"), "INSERT INTO t VALUES (1)");
        Assert.False(held.Acknowledged);
        Assert.True(await HasAsync(old, 1));

        // synchronous_commit is a per-session setting any client may lower: then the old primary acknowledges a write
        // the new one will never have. A split brain.
        var local = await CommitProbe.WriteAsync(Bounded(old.Connection(), "local", seconds: 60), "SET synchronous_commit = local; INSERT INTO t VALUES (2)");
        Assert.True(local.Acknowledged, $"{local.Error}");
        Assert.True(await HasAsync(old, 2));
        Assert.False(await HasAsync(promoted, 2));

        // The coordinator's statements set it themselves for their own transaction (set_config(..., true)), whatever
        // the session or role says: the same lowered session then gets no acknowledgement.
        var forced = await CommitProbe.WriteAsync(Bounded(old.Connection(), "forced"),
            "SET synchronous_commit = local; BEGIN; SELECT set_config('synchronous_commit', 'on', true); INSERT INTO t VALUES (3); COMMIT;");
        Assert.False(forced.Acknowledged);
    }

    // Writers insert ids on the primary until `acknowledgedBeforeKill` are acknowledged; then the primary's whole
    // process tree is killed (-9) while they are still writing. Acknowledged: the commit returned with no warning.
    // In doubt: the writer was still waiting when the primary died.
    private static async Task<(List<int> Acknowledged, List<int> InDoubt)> LoadUntilKilledAsync(PostgresCluster cluster, int acknowledgedBeforeKill)
    {
        var primary = cluster.Primary;
        var pooled = primary.Connection();
        (pooled.Pooling, pooled.MaxPoolSize, pooled.ApplicationName) = (true, 8, "load");
        await using var source = NpgsqlDataSource.Create(pooled);
        var (acknowledged, inDoubt) = (new ConcurrentBag<int>(), new ConcurrentBag<int>());
        var next = 0;
        var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var id = Interlocked.Increment(ref next);
                try
                {
                    await using var command = source.CreateCommand($"INSERT INTO t VALUES ({id})");
                    await command.ExecuteNonQueryAsync();
                    acknowledged.Add(id);
                }
                catch (NpgsqlException)
                {
                    inDoubt.Add(id);
                    return;
                }
            }
        })).ToList();

        await Wait.UntilAsync(() => Task.FromResult(acknowledged.Count >= acknowledgedBeforeKill), Wait.Resource, $"{acknowledgedBeforeKill} acknowledged writes");
        primary.Kill();
        await Task.WhenAll(writers).WaitAsync(Wait.Request);
        return ([.. acknowledged], [.. inDoubt]);
    }

    private static async Task<HashSet<int>> PresentAsync(PostgresInstance instance)
    {
        await using var connection = new NpgsqlConnection(instance.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM t", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<int>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt32(0));
        }

        return ids;
    }
}
