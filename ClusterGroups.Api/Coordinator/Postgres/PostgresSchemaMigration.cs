using Npgsql;

namespace ClusterGroups.Api.Coordinator.Postgres;

// Brings the coordinator's schema up to date before anything else of the Api starts (registered before recovery, the
// reconciler and the endpoints). The database may still be starting (a pod beside it, a failover under way): a
// transient failure is tried again until the host's start is given up; anything else stops the Api with its reason.
public sealed partial class PostgresSchemaMigration(NpgsqlDataSource dataSource, ILogger<PostgresSchemaMigration> logger) : IHostedService
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var schema = new PostgresSchema(dataSource);
        while (true)
        {
            try
            {
                var applied = await schema.MigrateAsync(cancellationToken);
                Migrated(logger, PostgresSchema.LatestVersion, applied.Count);
                return;
            }
            catch (NpgsqlException e) when (e.IsTransient && !cancellationToken.IsCancellationRequested)
            {
                NotYet(logger, e.Message);
                await Task.Delay(Pause, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Coordinator schema at version {Version} ({Applied} migrations applied now).")]
    private static partial void Migrated(ILogger logger, int version, int applied);

    [LoggerMessage(LogLevel.Warning, "Coordinator database not reachable yet, trying again: {Reason}")]
    private static partial void NotYet(ILogger logger, string reason);
}
