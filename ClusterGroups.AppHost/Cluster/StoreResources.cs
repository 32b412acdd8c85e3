using Aspire.Hosting.ApplicationModel;

namespace ClusterGroups.AppHost.Cluster;

// A node store as an Aspire resource with a Redis connection string ("host:port"), whatever runs it.
public sealed class GarnetStoreResource(string name) : ProjectResource(name), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";
    public EndpointReference Endpoint => new(this, EndpointName);
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)}");
}

public sealed class RedisServerStoreResource(string name, string workingDirectory)
    : ExecutableResource(name, "redis-server", workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";
    public EndpointReference Endpoint => new(this, EndpointName);
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)}");
}

public static class StoreResourceExtensions
{
    public static IResourceBuilder<IResourceWithConnectionString> AddStore(
        this IDistributedApplicationBuilder builder, string name, ClusterSettings cluster, bool atomicScripts = false) =>
        cluster.Store switch
        {
            StoreKind.Garnet => builder.AddGarnetStore(name, cluster.StoreDirectory(name), atomicScripts),
            StoreKind.RedisServer => builder.AddRedisServerStore(name, cluster.StoreDirectory(name)),
            _ => builder.AddRedis(name).WithDataVolume($"clustergroups-{name}").WithPersistence(),
        };

    // The embedded store: ClusterGroups.Store (Garnet) with an append-only file in dataDir, recovered at start.
    public static IResourceBuilder<GarnetStoreResource> AddGarnetStore(
        this IDistributedApplicationBuilder builder, string name, string dataDir, bool atomicScripts = false)
    {
        var store = builder.AddResource(new GarnetStoreResource(name))
            .WithAnnotation(new Projects.ClusterGroups_Store())
            .WithEndpoint(name: GarnetStoreResource.EndpointName, scheme: "tcp", env: "STORE_PORT")
            .WithArgs("--bind", "127.0.0.1",
                "--checkpointdir", dataDir, "--aof", "--recover",
                // --memory bounds the whole main log, objects' heap included, and without --storage-tier what does
                // not fit is evicted, i.e. lost: with 64m a node's 200 000-group hash vanished after a bulk load
                // (12 000 of 200 000 left). 2g holds a million groups per node (~460 MB resident); pages are taken
                // as needed, not up front.
                "--memory", "2g", "--index", "16m", "--aof-memory", "64m",
                // Lua: nodes and the coordinator do each conditional write in one round trip (EVALSHA).
                "--lua",
                // The managed device: the native one needs libaio, which a fresh machine may lack.
                "--device-type", "RandomAccess");
        if (atomicScripts)
        {
            // A node's scripts keep a group, its bucket and the digest together, and the coordinator's take a lease,
            // raise its fencing token and write the journal: both need them atomic. Garnet promises that only with
            // --lua-transaction-mode (it then locks the script's KEYS, and a script may touch no other key, so every
            // script names all it touches; the journal's read of a group's last entry is two commands, not a script).
            store.WithArgs("--lua-transaction-mode");
        }

        store.WithProjectDefaults(new ProjectResourceOptions { ExcludeLaunchProfile = true });
        return store;
    }

    // A local redis-server binary (Debian: apt-get install redis-server), append-only persistence in dataDir.
    public static IResourceBuilder<RedisServerStoreResource> AddRedisServerStore(
        this IDistributedApplicationBuilder builder, string name, string dataDir)
    {
        var resource = new RedisServerStoreResource(name, dataDir);
        return builder.AddResource(resource)
            .WithEndpoint(name: RedisServerStoreResource.EndpointName, scheme: "tcp")
            .WithArgs(ctx =>
            {
                ctx.Args.Add("--port");
                ctx.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                foreach (var arg in (string[])["--bind", "127.0.0.1", "--dir", dataDir, "--appendonly", "yes",
                             "--save", "", "--protected-mode", "no"])
                {
                    ctx.Args.Add(arg);
                }
            });
    }
}
