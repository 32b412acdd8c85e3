using ClusterGroups.Tests.Infrastructure.Postgres;
using Npgsql;

namespace ClusterGroups.Tests.Postgres;

// What one instance's coordinator schema holds, read directly (its own connection, no Api in between).
internal static class CoordinatorJournal
{
    // operation id -> outcome, for the ids asked.
    public static async Task<Dictionary<string, string>> OutcomesAsync(PostgresInstance instance, IEnumerable<string> operationIds)
    {
        await using var connection = new NpgsqlConnection(instance.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT operation_id, outcome FROM cg.operations WHERE operation_id = ANY($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = operationIds.Distinct().ToArray() });
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

    // The degraded mode of a lone primary (README, "Which coordinator"): commits acknowledged with no standby's copy.
    public static async Task DegradeAsync(PostgresInstance primary)
    {
        await primary.QueryAsync<object>("ALTER SYSTEM SET synchronous_standby_names = ''");
        await primary.QueryAsync<bool>("SELECT pg_reload_conf()");
        await Infrastructure.Wait.UntilAsync(async () => await primary.QueryAsync<string>("SHOW synchronous_standby_names") == "",
            Infrastructure.Wait.Resource, $"{primary.Name} reloaded without a synchronous standby");
    }
}
