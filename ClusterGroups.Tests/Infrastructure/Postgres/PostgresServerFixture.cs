using Npgsql;

namespace ClusterGroups.Tests.Infrastructure.Postgres;

// One PostgreSQL instance shared by a test class, a fresh database per test (NewDatabaseAsync). Started only where
// PostgreSQL is installed: elsewhere the tests skip themselves (PostgresRequirement) instead of failing here.
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private PostgresCluster? _cluster;

    public PostgresInstance Server => _cluster?.Primary ?? throw new InvalidOperationException(PostgresCluster.Problem);

    public async Task InitializeAsync()
    {
        if (PostgresCluster.Problem is null)
        {
            using var timeout = new CancellationTokenSource(Wait.AppStart);
            _cluster = await PostgresCluster.StartAsync(1, timeout.Token);
        }
    }

    // A database of its own, so a test sees only its own schema and rows.
    public async Task<NpgsqlDataSource> NewDatabaseAsync()
    {
        PostgresRequirement.Check();
        var name = $"t_{Guid.NewGuid():N}";
        await Server.QueryAsync<object>($"CREATE DATABASE {name}");
        var connection = Server.Connection();
        // Generous: the tests share two cores with whatever else runs.
        (connection.Database, connection.Pooling, connection.CommandTimeout) = (name, true, 300);
        return NpgsqlDataSource.Create(connection);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
