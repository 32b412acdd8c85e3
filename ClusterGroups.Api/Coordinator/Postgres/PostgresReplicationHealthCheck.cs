using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ClusterGroups.Api.Coordinator.Postgres;

// Says when the coordinator's commits are acknowledged with no standby's copy: the primary the Api writes to has an
// empty synchronous_standby_names. That is the degraded mode of a two-instance deployment whose standby was promoted
// (README, "Which coordinator"): an operator's choice to take writes again, which a failover now would lose. It is
// reported (Degraded on /health), never silent. With the setting present and no standby streaming, commits wait and the
// Api answers them unknown (503) at Command Timeout instead; that needs no check of its own, every write shows it.
// current_setting needs no privilege (pg_stat_replication's details do).
public sealed class PostgresReplicationHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public const string Name = "coordinator-replication";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT current_setting('synchronous_standby_names')");
            var standbys = (string?)await command.ExecuteScalarAsync(cancellationToken) ?? "";
            return standbys.Trim().Length == 0
                ? HealthCheckResult.Degraded(
                    "The coordinator's primary has no synchronous standby (synchronous_standby_names is empty): its commits are acknowledged with no other copy, and a failover now may lose them.")
                : HealthCheckResult.Healthy($"Coordinator commits wait for a synchronous standby ({standbys}).");
        }
        catch (NpgsqlException e)
        {
            return HealthCheckResult.Unhealthy("The coordinator database did not answer.", e);
        }
    }
}
