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

// A stock redis image run as a container (Cluster:Store=redis) with our own command line, so that it is exactly the
// redis-server kind's (an append-only file fsync'd before every reply), not Aspire's default (an RDB snapshot a minute).
public sealed class RedisContainerStoreResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";
    public const string Image = "redis";
    public const string Tag = "7.4-alpine"; // the image deploy/ runs
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
            StoreKind.RedisServer => builder.AddRedisServerStore(name, cluster.StoreDirectory(name), cluster.DurableAcks),
            _ => builder.AddRedisContainerStore(name, cluster.DurableAcks),
        };

    // The embedded store: ClusterGroups.Store (Garnet) with an append-only file in dataDir, recovered at start. Its
    // endpoint is not proxied, as a redis-server's (below): every store command of a node or the Api went through DCP's
    // proxy, a process hop each way (quick bench, c=64, N=3: direct 7 000-10 000 writes/s through it, 12 700-13 300
    // without; the Api 1 500-2 250 ops/s, 2 590-2 610 without), and a stopped store's address still took connections.
    public static IResourceBuilder<GarnetStoreResource> AddGarnetStore(
        this IDistributedApplicationBuilder builder, string name, string dataDir, bool atomicScripts = false,
        string memory = StoreArguments.GarnetMemory) =>
        builder.AddResource(new GarnetStoreResource(name))
            .WithAnnotation(new Projects.ClusterGroups_Store())
            .WithEndpoint(name: GarnetStoreResource.EndpointName, scheme: "tcp", env: "STORE_PORT", isProxied: false)
            .WithArgs([.. StoreArguments.Garnet(dataDir, atomicScripts, memory)])
            .WithProjectDefaults(new ProjectResourceOptions { ExcludeLaunchProfile = true });

    // A local redis-server binary (Debian: apt-get install redis-server), append-only persistence in dataDir. Its
    // endpoint is not proxied: DCP picks the port once, and the process listens on it itself, so a restarted store is
    // where its node's connection string points without a proxy in between (through DCP's proxy, a redis-server
    // restarted after kill -9 was once unreachable for 90 s although it logged "Ready to accept connections").
    public static IResourceBuilder<RedisServerStoreResource> AddRedisServerStore(
        this IDistributedApplicationBuilder builder, string name, string dataDir, bool durableAcks = true)
    {
        var resource = new RedisServerStoreResource(name, dataDir);
        return builder.AddResource(resource)
            .WithEndpoint(name: RedisServerStoreResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(ctx =>
            {
                ctx.Args.Add("--port");
                ctx.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                foreach (var arg in StoreArguments.RedisServer(dataDir, durableAcks))
                {
                    ctx.Args.Add(arg);
                }
            });
    }

    // The redis image (needs Docker), its data on a named volume; listens on all of the container's interfaces.
    public static IResourceBuilder<RedisContainerStoreResource> AddRedisContainerStore(
        this IDistributedApplicationBuilder builder, string name, bool durableAcks = true) =>
        builder.AddResource(new RedisContainerStoreResource(name))
            .WithImage(RedisContainerStoreResource.Image, RedisContainerStoreResource.Tag)
            .WithEndpoint(name: RedisContainerStoreResource.EndpointName, scheme: "tcp", targetPort: 6379)
            .WithVolume($"clustergroups-{name}", "/data")
            .WithArgs(["redis-server", "--port", "6379", .. StoreArguments.RedisServer("/data", durableAcks, bind: "0.0.0.0")]);
}
