using ClusterGroups.Tests.Infrastructure.Postgres;
using Npgsql;

namespace ClusterGroups.Tests.Postgres;

// What one instance's coordinator schema holds, read directly (its own connection, no Api in between).
internal static class CoordinatorJournal
{
    // operation id -> outcome, for the ids asked.
    public static Task<Dictionary<string, string>> OutcomesAsync(PostgresInstance instance, IEnumerable<string> operationIds) =>
        TextPairsAsync(instance, "SELECT operation_id, outcome FROM cg.operations WHERE operation_id = ANY($1)", operationIds);

    // The acknowledged answers (Committed, AlreadySo) whose operation the instance does not journal with that outcome.
    public static async Task<IReadOnlyList<string>> UnjournaledAsync(PostgresInstance instance, IReadOnlyList<FailoverAnswer> answers)
    {
        var acknowledged = answers.Where(a => a.Acknowledged).ToList();
        var journal = await OutcomesAsync(instance, acknowledged.Select(a => a.OperationId!));
        return [.. acknowledged.Where(a => journal.GetValueOrDefault(a.OperationId!) != a.Outcome)
            .Select(a => $"{a} -> journal: {journal.GetValueOrDefault(a.OperationId!) ?? "none"}")];
    }

    // group -> the kind (Create, Delete) of its last operation that ended Committed or AlreadySo, in the order the
    // operations started (operations on one group never overlap); groups with none are absent.
    public static Task<Dictionary<string, string>> LastAcknowledgedKindsAsync(PostgresInstance instance, IEnumerable<string> groupIds) =>
        TextPairsAsync(instance, """
            SELECT DISTINCT ON (group_id) group_id, kind FROM cg.operations
             WHERE group_id = ANY($1) AND outcome IN ('Committed', 'AlreadySo')
             ORDER BY group_id, started_at DESC, operation_id DESC
            """, groupIds);

    // The first two text columns of each row the query ($1: the keys asked) returns, as key -> value.
    private static async Task<Dictionary<string, string>> TextPairsAsync(PostgresInstance instance, string sql, IEnumerable<string> keys)
    {
        await using var connection = new NpgsqlConnection(instance.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = keys.Distinct().ToArray() });
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found[reader.GetString(0)] = reader.GetString(1);
        }

        return found;
    }

    // group -> its fencing token (the last one handed out).
    public static async Task<Dictionary<string, long>> FencesAsync(PostgresInstance instance)
    {
        await using var connection = new NpgsqlConnection(instance.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT group_id, fence FROM cg.groups", connection);
        var fences = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            fences[reader.GetString(0)] = reader.GetInt64(1);
        }

        return fences;
    }

    public static async Task<IReadOnlyList<string>> OpenAsync(PostgresInstance instance)
    {
        await using var connection = new NpgsqlConnection(instance.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT operation_id || ' ' || outcome FROM cg.operations WHERE open", connection);
        var open = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            open.Add(reader.GetString(0));
        }

        return open;
    }

    // Until recovery has finished every operation the instance holds open (the wait's failure names them).
    public static async Task UntilNoneOpenAsync(PostgresInstance primary)
    {
        try
        {
            await Infrastructure.Wait.UntilAsync(async () => (await OpenAsync(primary)).Count == 0, Infrastructure.Wait.Resource,
                "no operation left open (finished by recovery)");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}: {string.Join(", ", await OpenAsync(primary))}", e);
        }
    }

    // The degraded mode of a lone primary (README, "Which coordinator"): commits acknowledged with no standby's copy.
    public static async Task DegradeAsync(PostgresInstance primary)
    {
        await primary.QueryAsync<object>("ALTER SYSTEM SET synchronous_standby_names = ''");
        await primary.QueryAsync<bool>("SELECT pg_reload_conf()");
        await Infrastructure.Wait.UntilAsync(async () => await primary.QueryAsync<string>("SHOW synchronous_standby_names") == "",
            Infrastructure.Wait.Resource, $"{primary.Name} reloaded without a synchronous standby");
    }
}
