using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.Contracts.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterGroups.AppHost.Cluster;

// The coordinator as a local PostgreSQL (Cluster:Coordinator=postgres): Debian's postgres binary run as an executable
// resource, as Cluster:Store=redis-server runs redis-server. Its data folder is Cluster:DataDir/postgres/coordinator,
// made by initdb on the first run. Local development only: it listens on 127.0.0.1 and trusts every connection there
// (no password), one instance, no standby (README, "Which coordinator"). The connection string is Npgsql's.
public sealed class PostgresCoordinatorResource(string name, string command, string workingDirectory, string dataDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";
    public string DataDirectory { get; } = dataDirectory;
    public EndpointReference Endpoint => new(this, EndpointName);
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};Username=postgres;Database=postgres");
}

public static class CoordinatorResourceExtensions
{
    // The Api's coordinator as Cluster:Coordinator says (none when false); its name is the connection string's.
    public static IResourceBuilder<IResourceWithConnectionString>? AddCoordinator(this IDistributedApplicationBuilder builder, ClusterSettings cluster)
    {
        const string name = SettingNames.CoordinatorConnection;
        return cluster.CoordinatorKind switch
        {
            CoordinatorKind.Store => builder.AddStore(name, cluster, atomicScripts: true),
            CoordinatorKind.Postgres => builder.AddPostgresCoordinator(name, cluster.PostgresDirectory(name)),
            CoordinatorKind.PostgresContainer => builder.AddPostgres(name).WithDataVolume($"clustergroups-{name}"),
            _ => null,
        };
    }

    // What the Api is told of its coordinator's kind (Cluster:Coordinator:Store).
    public static string StoreSetting(this CoordinatorKind kind) =>
        kind is CoordinatorKind.Postgres or CoordinatorKind.PostgresContainer ? "postgres" : "redis";

    public static IResourceBuilder<PostgresCoordinatorResource> AddPostgresCoordinator(
        this IDistributedApplicationBuilder builder, string name, string dataDirectory)
    {
        var binaries = PostgresBinaries.Find()
            ?? throw new ClusterConfigurationException($"Cluster:Coordinator=postgres needs PostgreSQL's postgres and initdb; {PostgresBinaries.InstallHint}.");
        var (command, prefix) = binaries.Command("postgres", []);
        var parent = Path.GetDirectoryName(dataDirectory)!;
        Directory.CreateDirectory(parent);
        var resource = new PostgresCoordinatorResource(name, command, parent, dataDirectory);

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, (_, ct) => InitializeAsync(binaries, dataDirectory, ct));

        // Healthy once it answers a query: the Api waits for that, not just for the process.
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(resource, async (_, ct) =>
            connectionString = await resource.ConnectionStringExpression.GetValueAsync(ct));
        var check = $"{name}_postgres";
        builder.Services.AddHealthChecks().AddNpgSql(_ => connectionString ?? throw new InvalidOperationException("Connection string is unavailable"), name: check);

        return builder.AddResource(resource)
            // Not proxied, as the stores' endpoints (StoreResources): DCP picks the port once and postgres listens on it
            // itself (-p), so the Api's statements do not cross DCP's proxy, a process hop each way.
            .WithEndpoint(name: PostgresCoordinatorResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(ctx =>
            {
                foreach (var arg in prefix)
                {
                    ctx.Args.Add(arg);
                }

                ctx.Args.Add("-D");
                ctx.Args.Add(dataDirectory);
                ctx.Args.Add("-p");
                ctx.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                // TCP on loopback only, and no Unix socket (its default folder may not be writable here, and a
                // folder under DataDir may be too long a path for a socket).
                foreach (var arg in (string[])["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", $"cluster_name={name}"])
                {
                    ctx.Args.Add(arg);
                }
            })
            .WithHealthCheck(check);
    }

    // initdb into the data folder on the first run (it holds PG_VERSION afterwards); as root, as the postgres account.
    // True when it made a new cluster.
    public static async Task<bool> InitializeAsync(PostgresBinaries binaries, string dataDirectory, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            return false;
        }

        PostgresBinaries.PrepareDirectory(dataDirectory);
        using var initdb = Process.Start(binaries.StartInfo("initdb",
            ["-D", dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"]))!;
        var output = initdb.StandardOutput.ReadToEndAsync(ct);
        var error = initdb.StandardError.ReadToEndAsync(ct);
        await initdb.WaitForExitAsync(ct);
        if (initdb.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"initdb of {dataDirectory} failed ({initdb.ExitCode}); as root it runs as '{PostgresBinaries.Account}', which must be able to reach the folder (give -- --Cluster:DataDir=/tmp/... otherwise): {await error}{await output}");
        }

        return true;
    }
}
