using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.Api.Coordinator.Postgres;
using ClusterGroups.AppHost.Cluster;
using ClusterGroups.Contracts.Settings;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Postgres;
using Npgsql;

namespace ClusterGroups.Tests.Postgres;

// Cluster:Coordinator=postgres: the AppHost runs Debian's postgres as the coordinator resource (initdb on the first
// run into Cluster:DataDir), healthy once it answers, and tells the Api an Npgsql connection string and the kind; the
// port in it is postgres's own (no proxy).
public sealed class PostgresCoordinatorAppHostTests
{
    [SkippableFact]
    public async Task The_AppHost_runs_a_local_PostgreSQL_as_the_coordinator_and_the_schema_migrates_into_it()
    {
        PostgresRequirement.Check();
        var dataDir = Path.Combine(Path.GetTempPath(), "clustergroups-tests", Guid.NewGuid().ToString("N"));
        using var cts = new CancellationTokenSource(Wait.AppStart);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ClusterGroups_AppHost>(
            ["--Cluster:Nodes=1", "--Cluster:Coordinator=postgres", $"--Cluster:DataDir={dataDir}"], cts.Token);
        try
        {
            await using (var app = await builder.BuildAsync(cts.Token))
            {
                await app.StartAsync(cts.Token);
                await app.ResourceNotifications.WaitForResourceHealthyAsync(SettingNames.CoordinatorConnection, cts.Token);

                var connectionString = await app.GetConnectionStringAsync(SettingNames.CoordinatorConnection, cts.Token);
                await using var source = NpgsqlDataSource.Create(connectionString!);
                Assert.Equal(PostgresSchema.LatestVersion, (await new PostgresSchema(source).MigrateAsync(cts.Token)).Max(m => m.Version));

                var api = (IResourceWithEnvironment)builder.Resources.Single(r => r.Name == "api");
#pragma warning disable CS0618 // the values as the Api is started with them; Aspire's newer API needs an execution context
                var environment = await api.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Run);
#pragma warning restore CS0618
                Assert.Equal("postgres", environment[SettingNames.EnvironmentVariable(SettingNames.CoordinatorStore)]);
                var given = new NpgsqlConnectionStringBuilder(environment["ConnectionStrings__coordinator"]);
                Assert.Equal(new NpgsqlConnectionStringBuilder(connectionString).Port, given.Port);
                // Not behind DCP's proxy: the port the Api is given is the one PostgreSQL itself listens on.
                await using (var show = source.CreateCommand("SHOW port"))
                {
                    Assert.Equal(given.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)await show.ExecuteScalarAsync(cts.Token));
                }
            }

            // initdb ran once, into Cluster:DataDir; a second start finds the cluster there and keeps it.
            var data = Path.Combine(dataDir, "postgres", SettingNames.CoordinatorConnection);
            Assert.True(File.Exists(Path.Combine(data, "PG_VERSION")));
            Assert.False(await CoordinatorResourceExtensions.InitializeAsync(PostgresBinaries.Find()!, data, cts.Token));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
