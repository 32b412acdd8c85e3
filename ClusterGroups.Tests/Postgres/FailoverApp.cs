using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Postgres;
using Npgsql;

namespace ClusterGroups.Tests.Postgres;

// The app (3 nodes, two Api replicas) with its coordinator in a PostgresCluster the test made, so that the test can
// kill -9, pause and promote its instances. The Api is given the multi-host string, as a deployment would give it
// every instance: Target Session Attributes=primary finds the one that is primary now. The AppHost's own coordinator
// store (Cluster:Coordinator=true, an embedded Garnet) still starts, unused: the cheapest resource to stand in for it.
// attemptTimeout: the Api's per-call timeout (the chaos soak shortens it below its nodes' injected delays).
public sealed class FailoverApp(string coordinatorConnection, string? attemptTimeout = null) : ClusterFixture
{
    protected override int ApiReplicas => 2;

    protected override string AttemptTimeout => attemptTimeout ?? base.AttemptTimeout;

    // Two replicas migrating the schema on a loaded two-core machine.
    protected override TimeSpan StartTimeout => Wait.AppStart * 2;

    protected override void Configure(IDistributedApplicationTestingBuilder builder) =>
        // Added after the AppHost's reference to its coordinator: the later value of a variable wins.
        builder.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("ConnectionStrings__coordinator", coordinatorConnection)
            .WithEnvironment("Cluster__Coordinator__Store", "postgres");

    // The Api's connection string to the cluster: every instance, the primary wanted; each statement bounded (the
    // server never gives up waiting for a synchronous standby: Command Timeout turns that wait into an error the
    // coordinator calls unknown); a host found down or a standby is checked again after 2 s (Npgsql's default, 10 s,
    // would keep the promoted standby marked "standby" that long).
    public static string ConnectionFor(PostgresCluster cluster)
    {
        var connection = cluster.MultiHost(timeoutSeconds: 5);
        connection.CommandTimeout = 5;
        connection.HostRecheckSeconds = 2;
        connection.ApplicationName = "cg-api";
        return connection.ConnectionString;
    }

    public static async Task<FailoverApp> StartAsync(PostgresCluster cluster, string? attemptTimeout = null)
    {
        var app = new FailoverApp(ConnectionFor(cluster), attemptTimeout);
        try
        {
            await app.InitializeAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }
}
