using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Npgsql;

namespace ClusterGroups.Api.Coordinator.Postgres;

// The PostgreSQL coordinator's schema (cg), created and migrated by the Api at start. Migrations are SQL files
// embedded in the Api (Coordinator/Postgres/Migrations/NNNN_name.sql), applied in order, each once: cg.schema_version
// lists the applied ones. The whole run is one transaction under an advisory lock, so Api replicas starting together
// migrate once (the others wait, then find nothing to do) and a failed run leaves the schema as it was. A database
// migrated by a newer Api is used only if every migration this Api does not know says it leaves this Api's version
// working (`-- oldest reader: N` in the file, kept in cg.schema_version.oldest_reader): a rolling upgrade then runs
// replicas of both versions on one database; any other newer schema is refused rather than used.
public sealed partial class PostgresSchema(NpgsqlDataSource dataSource)
{
    // pg_advisory_xact_lock's key: "cgschema" in ASCII. Held until the migration's transaction ends.
    public const long LockKey = 0x6367_7363_6865_6d61;

    public static IReadOnlyList<PostgresMigration> Migrations { get; } = Load();

    public static int LatestVersion => Migrations[^1].Version;

    // Brings the schema to LatestVersion; the migrations this call applied (none when it was current).
    public async Task<IReadOnlyList<PostgresMigration>> MigrateAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({LockKey})", ct);
        await ExecuteAsync(connection, transaction, """
            CREATE SCHEMA IF NOT EXISTS cg;
            CREATE TABLE IF NOT EXISTS cg.schema_version (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT clock_timestamp())
            """, ct);

        int version;
        await using (var current = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM cg.schema_version", connection, transaction))
        {
            version = (int)(await current.ExecuteScalarAsync(ct))!;
        }

        if (version > LatestVersion)
        {
            // Null oldest_reader (or no such column, before migration 5): the migration breaks older Apis.
            await using var readers = new NpgsqlCommand(
                $"SELECT coalesce(max(coalesce(oldest_reader, version)), {version}) FROM cg.schema_version WHERE version > {LatestVersion}",
                connection, transaction);
            if ((int)(await readers.ExecuteScalarAsync(ct))! > LatestVersion)
            {
                throw new PostgresSchemaException(
                    $"The coordinator's schema is at version {version}, newer than this Api knows ({LatestVersion}) and not readable by it: run the newer Api, or restore the database it expects.");
            }

            await transaction.CommitAsync(ct);
            return [];
        }

        var pending = Migrations.Where(m => m.Version > version).ToList();
        foreach (var migration in pending)
        {
            await ExecuteAsync(connection, transaction, migration.Sql, ct);
            await using var record = new NpgsqlCommand("INSERT INTO cg.schema_version (version, name) VALUES ($1, $2)", connection, transaction)
            {
                CommandTimeout = 0,
                Parameters = { new() { Value = migration.Version }, new() { Value = migration.Name } },
            };
            await record.ExecuteNonQueryAsync(ct);
            if (migration.OldestReader is { } oldest)
            {
                await using var readers = new NpgsqlCommand("UPDATE cg.schema_version SET oldest_reader = $1 WHERE version = $2", connection, transaction)
                {
                    Parameters = { new() { Value = oldest }, new() { Value = migration.Version } },
                };
                await readers.ExecuteNonQueryAsync(ct);
            }
        }

        await transaction.CommitAsync(ct);
        return pending;
    }

    // No command timeout: waiting for another replica's migration, or for a table lock held by running traffic, is
    // bounded by the caller's token (the Api's start), not by Npgsql's 30 s default.
    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    private static List<PostgresMigration> Load()
    {
        var assembly = typeof(PostgresSchema).Assembly;
        var migrations = assembly.GetManifestResourceNames()
            .Select(name => (Resource: name, Match: MigrationName().Match(name)))
            .Where(r => r.Match.Success)
            .Select(r => new PostgresMigration(
                int.Parse(r.Match.Groups["version"].Value, CultureInfo.InvariantCulture),
                r.Match.Groups["name"].Value,
                Read(assembly, r.Resource)))
            .Select(m => m with { OldestReader = OldestReaderLine().Match(m.Sql) is { Success: true } line
                ? int.Parse(line.Groups["version"].Value, CultureInfo.InvariantCulture) : null })
            .OrderBy(m => m.Version)
            .ToList();
        // Versions 1, 2, 3, ... with none missing or twice: a gap would be a file left out of the build.
        if (migrations.Count == 0 || migrations.Select((m, i) => m.Version != i + 1).Any(gap => gap))
        {
            throw new PostgresSchemaException(
                $"The coordinator's migrations must be numbered 1, 2, 3, ...; found: {string.Join(", ", migrations.Select(m => m.Version))}.");
        }

        return migrations;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // Embedded as <root namespace>.Coordinator.Postgres.Migrations.0001_coordinator.sql
    [GeneratedRegex(@"^-- oldest reader: (?<version>\d+)\s*$", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex OldestReaderLine();

    [GeneratedRegex(@"\.Migrations\.(?<version>\d{4})_(?<name>[a-z0-9_]+)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex MigrationName();
}
