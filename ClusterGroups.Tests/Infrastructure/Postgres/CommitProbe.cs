using Npgsql;

namespace ClusterGroups.Tests.Infrastructure.Postgres;

// One write on a server, and what the client was told: acknowledged or not, and the notices that came with it.
// PostgreSQL commits locally first and then waits for the synchronous standby; a client that cancels that wait
// (a CancellationToken, or Npgsql's CommandTimeout with its default Cancellation Timeout) gets the command's normal
// success plus a 01000 warning "canceling wait for synchronous replication", for a commit no standby may have.
public sealed record CommitResult(bool Acknowledged, IReadOnlyList<PostgresNotice> Notices, Exception? Error)
{
    public const string CancelledWait = "canceling wait for synchronous replication";

    // Acknowledged as far as the client's API goes, yet the server says the replication wait was cut short.
    public bool CancelledWaitWarned => Notices.Any(n => n.SqlState == "01000" && n.MessageText.Contains(CancelledWait, StringComparison.Ordinal));

    // What a coordinator may count as done: acknowledged, and no cut-short wait.
    public bool Replicated => Acknowledged && !CancelledWaitWarned;
}

public static class CommitProbe
{
    // Runs `sql` on its own connection. `ct`: the caller's token (as a request's abort would be); the connection
    // string's CommandTimeout and CancellationTimeout say how Npgsql times out by itself.
    public static async Task<CommitResult> WriteAsync(NpgsqlConnectionStringBuilder connection, string sql, CancellationToken ct = default)
    {
        var notices = new List<PostgresNotice>();
        try
        {
            await using var conn = new NpgsqlConnection(connection.ConnectionString);
            await conn.OpenAsync();
            conn.Notice += (_, e) =>
            {
                lock (notices)
                {
                    notices.Add(e.Notice);
                }
            };
            await using var command = new NpgsqlCommand(sql, conn);
            await command.ExecuteNonQueryAsync(ct).WaitAsync(Wait.Request, CancellationToken.None);
            return new CommitResult(true, Snapshot(), null);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
        {
            return new CommitResult(false, Snapshot(), e);
        }

        IReadOnlyList<PostgresNotice> Snapshot()
        {
            lock (notices)
            {
                return [.. notices];
            }
        }
    }

    // Until a backend of `applicationName` waits for the synchronous standby (wait_event SyncRep): its commit is in
    // the primary's WAL and visible there, and not yet acknowledged.
    public static Task WaitForSyncRepWaitAsync(PostgresInstance primary, string applicationName) =>
        Wait.UntilAsync(async () => await primary.QueryAsync<long>(
                $"SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND application_name = '{applicationName}'") > 0,
            Wait.Resource, $"a commit of {applicationName} waiting for the synchronous standby on {primary.Name}");
}
