using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Postgres;
using ClusterGroups.Api.Model;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClusterGroups.Tests.Postgres;

// The PostgreSQL coordinator on a primary with a synchronous standby (real instances, PostgresCluster).
public sealed class PostgresCoordinatorReplicationTests
{
    // The standby is stopped, so the commit of Start waits for it until Npgsql's CommandTimeout cancels the wait:
    // PostgreSQL then answers success with a 01000 warning, for a commit that exists on the primary only and would be
    // lost by a failover. The coordinator must call that unknown (CoordinatorStoreException), never Taken/Begun.
    [SkippableFact]
    public async Task A_write_whose_wait_for_the_standby_was_cut_short_is_unknown_not_done()
    {
        PostgresRequirement.Check();
        using var timeout = new CancellationTokenSource(Wait.AppStart);
        await using var cluster = await PostgresCluster.StartAsync(2, timeout.Token);
        var connection = cluster.Primary.Connection();
        await using (var migrate = NpgsqlDataSource.Create(connection))
        {
            await new PostgresSchema(migrate).MigrateAsync(timeout.Token);
        }

        await cluster.Standbys.Single().StopAsync();
        connection.CommandTimeout = 2;
        await using var source = NpgsqlDataSource.Create(connection);
        var coordinator = new PostgresCoordinator(source, Options.Create(new CoordinatorOptions()), new PostgresTimeline());

        var group = $"sync-{Guid.NewGuid():N}"[..20];
        var op = new OperationState(new Operation($"op-{Guid.NewGuid():N}", OperationKind.Create, group), [new NodeProgress("n1")]);
        var token = FencingTokens.Propose(TimeProvider.System, 0);
        op.Lease("a", token, DateTimeOffset.UtcNow);
        var error = await Assert.ThrowsAsync<CoordinatorStoreException>(() =>
            coordinator.AcquireAsync(new LeaseRequest(group, "a", token, TimeSpan.FromSeconds(10)), op, CancellationToken.None)
                .WaitAsync(Wait.Request));
        Assert.Contains("synchronous", error.Message, StringComparison.Ordinal);

        // What was unknown to the Api is committed on the primary alone: exactly what a failover loses.
        Assert.Equal(1L, await cluster.Primary.QueryAsync<long>($"SELECT count(*) FROM cg.operations WHERE operation_id = '{op.Id}'"));
    }
}
