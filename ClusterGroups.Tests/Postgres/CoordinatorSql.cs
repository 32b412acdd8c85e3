using Npgsql;
using NpgsqlTypes;

namespace ClusterGroups.Tests.Postgres;

// The coordinator's SQL functions (Api/Coordinator/Postgres/Migrations) called as a port would call them: one
// statement per step, parameters by position. The tests check what those statements do, on a real PostgreSQL.
internal sealed class CoordinatorSql(NpgsqlDataSource source)
{
    public sealed record Entry(string OperationId, string GroupId, long Fence, string Outcome = "Running", bool Open = true,
        string Kind = "Create", string? Caller = null, DateTimeOffset? StartedAt = null, string? Json = null)
    {
        public DateTimeOffset Started { get; } = (StartedAt ?? DateTimeOffset.UtcNow).ToUniversalTime();
        public string EntryJson => Json ?? $$"""{"journalVersion":2,"operationId":"{{OperationId}}","groupId":"{{GroupId}}","outcome":"{{Outcome}}","fence":{{Fence}}}""";
    }

    public async Task<(string Answer, string Value)> StartAsync(Entry op, string owner, int leaseMs = 10_000, bool begin = true)
    {
        await using var command = source.CreateCommand("SELECT answer, value FROM cg.start($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
        Add(command, op.GroupId, op.Fence, owner, leaseMs, begin, op.OperationId, op.Kind, op.Outcome, op.Started, Text(op.Caller), Json(op.EntryJson));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetString(1));
    }

    public async Task<bool> BeginAsync(Entry op)
    {
        await using var command = source.CreateCommand("SELECT cg.begin($1, $2, $3, $4, $5, $6, $7, $8)");
        Add(command, op.GroupId, op.Fence, op.OperationId, op.Kind, op.Outcome, op.Started, Text(op.Caller), Json(op.EntryJson));
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    // A progress save (open) or the close (closed: retention starts; desired state and lease release if given).
    public async Task<bool> SaveAsync(Entry op, long retentionMs = 3_600_000, bool? desiredPresent = null, string? releaseOwner = null, int prune = 0)
    {
        await using var command = source.CreateCommand("SELECT cg.save($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)");
        Add(command, op.GroupId, op.Fence, op.OperationId, op.Kind, op.Outcome, op.Open, op.Started,
            new NpgsqlParameter { Value = op.Open ? DBNull.Value : DateTimeOffset.UtcNow, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            Text(op.Caller), Json(op.EntryJson), retentionMs,
            new NpgsqlParameter { Value = desiredPresent is { } d ? d : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean },
            Text(releaseOwner), prune);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    public async Task<long?> TakeLeaseAsync(string groupId, string owner, int leaseMs, long clockMicroseconds)
    {
        await using var command = source.CreateCommand("SELECT cg.take_lease($1, $2, $3, $4)");
        Add(command, groupId, owner, leaseMs, clockMicroseconds);
        return await command.ExecuteScalarAsync() is long token ? token : null;
    }

    public async Task<bool> ExtendLeaseAsync(string groupId, string owner, int leaseMs)
    {
        await using var command = source.CreateCommand("SELECT cg.extend_lease($1, $2, $3)");
        Add(command, groupId, owner, leaseMs);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    public async Task<bool> ReleaseLeaseAsync(string groupId, string owner)
    {
        await using var command = source.CreateCommand("SELECT cg.release_lease($1, $2)");
        Add(command, groupId, owner);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    public async Task<string?> OperationAsync(string operationId) => await ScalarAsync<string>("SELECT cg.operation($1)::text", operationId);

    public async Task<string?> LastOperationAsync(string groupId) => await ScalarAsync<string>("SELECT cg.last_operation($1)::text", groupId);

    public async Task<IReadOnlyList<string>> OpenOperationIdsAsync() =>
        await ColumnAsync("SELECT e->>'operationId' FROM cg.open_operations() e");

    public async Task<IReadOnlyList<string>> SearchAsync(string? groupId = null, string? outcome = null, bool openOnly = false,
        string? caller = null, DateTimeOffset? since = null, (DateTimeOffset StartedAt, string Id)? after = null, int limit = 100) =>
        await ColumnAsync("SELECT operation_id FROM cg.search_operations($1, $2, $3, $4, $5, $6, $7, $8)",
            Text(groupId), Text(outcome), openOnly, Text(caller), Time(since), Time(after?.StartedAt), Text(after?.Id), limit);

    public async Task<T?> ScalarAsync<T>(string sql, params object[] args)
    {
        await using var command = source.CreateCommand(sql);
        Add(command, args);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async Task<IReadOnlyList<string>> ColumnAsync(string sql, params object[] args)
    {
        await using var command = source.CreateCommand(sql);
        Add(command, args);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Json(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = value is { } v ? v.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static void Add(NpgsqlCommand command, params object[] args)
    {
        foreach (var arg in args)
        {
            command.Parameters.Add(arg as NpgsqlParameter ?? new NpgsqlParameter { Value = arg });
        }
    }
}
