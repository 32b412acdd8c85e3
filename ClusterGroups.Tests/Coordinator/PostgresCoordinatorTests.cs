using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Postgres;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClusterGroups.Tests.Coordinator;

// The PostgreSQL coordinator on a real PostgreSQL (a database of its own, migrated as the Api migrates it) keeps every
// rule of the port (CoordinatorConformance). Leases expire by the database's clock: PassAsync waits until that clock
// has moved on. Needs PostgreSQL (README, "Tests"); skipped with the install command where it is missing, run in CI.
public sealed class PostgresCoordinatorTests(PostgresServerFixture postgres)
    : CoordinatorConformance, IClassFixture<PostgresServerFixture>, IAsyncLifetime
{
    private NpgsqlDataSource? _source;

    protected override ICoordinator Coordinator
    {
        get
        {
            PostgresRequirement.Check();
            return new PostgresCoordinator(_source!, Options.Create(CoordinatorSettings), new PostgresTimeline());
        }
    }

    public async Task InitializeAsync()
    {
        if (PostgresCluster.Problem is null)
        {
            _source = await postgres.NewDatabaseAsync();
            using var timeout = new CancellationTokenSource(Wait.Resource);
            await new PostgresSchema(_source).MigrateAsync(timeout.Token);
        }
    }

    public async Task DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }
    }

    protected override async Task PassAsync(TimeSpan lease)
    {
        var start = await ClockAsync();
        await Wait.UntilAsync(async () => await ClockAsync() >= start + lease, Wait.Resource, $"the database's clock to pass {lease}");
    }

    private async Task<DateTime> ClockAsync()
    {
        await using var command = _source!.CreateCommand("SELECT clock_timestamp()");
        return (DateTime)(await command.ExecuteScalarAsync())!;
    }
}
