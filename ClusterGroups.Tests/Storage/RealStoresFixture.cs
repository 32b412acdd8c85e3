using Aspire.Hosting.ApplicationModel;
using ClusterGroups.AppHost.Cluster;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Storage;

// The real stores the in-process store is held against (StoreConformanceTests), one process each, started once:
// Garnet as the AppHost runs it (ClusterGroups.Store with the very arguments the AppHost model gives a node store and
// the coordinator, read from it, the data folder aside), and Debian's redis-server as the AppHost's redis-server kind
// runs it. A machine without redis-server gets no such process (CI installs it: .ci/run).
public sealed class RealStoresFixture : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "clustergroups-tests", $"stores-{Guid.NewGuid():N}");
    private readonly List<StoreProcess> _started = [];

    public static bool RedisServerAvailable => StorePreflight.FindOnPath("redis-server") is not null;

    // Garnet with a node store's arguments, and with the coordinator's (the same process when they are the same).
    public StoreProcess NodeGarnet { get; private set; } = null!;
    public StoreProcess CoordinatorGarnet { get; private set; } = null!;
    public StoreProcess? RedisServer { get; private set; }

    public IReadOnlyList<string> NodeStoreArgs { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var (nodeArgs, coordinatorArgs) = await AppHostStoreArgsAsync();
        NodeStoreArgs = nodeArgs;
        NodeGarnet = await StartGarnetAsync("garnet (node store)", nodeArgs);
        CoordinatorGarnet = nodeArgs.SequenceEqual(coordinatorArgs)
            ? NodeGarnet
            : await StartGarnetAsync("garnet (coordinator)", coordinatorArgs);
        if (RedisServerAvailable)
        {
            RedisServer = await StartRedisServerAsync();
        }
    }

    // What the AppHost gives store1 and the coordinator (Cluster:Store=garnet), with their data under this fixture's
    // folder. The port comes from STORE_PORT, as Aspire sets it.
    private async Task<(string[] Node, string[] Coordinator)> AppHostStoreArgsAsync()
    {
        using var cts = new CancellationTokenSource(Wait.AppStart);
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ClusterGroups_AppHost>(
            ["--Cluster:Nodes=1", "--Cluster:Store=garnet", $"--Cluster:DataDir={_root}"], cts.Token);
        async Task<string[]> ArgsOf(string name)
        {
            var resource = builder.Resources.OfType<GarnetStoreResource>().Single(r => r.Name == name);
            var configuration = await ExecutionConfigurationBuilder.Create(resource).WithArgumentsConfig()
                .BuildAsync(builder.ExecutionContext, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, cts.Token);
            return [.. configuration.Arguments.Select(a => a.Value)];
        }

        return (await ArgsOf("store1"), await ArgsOf("coordinator"));
    }

    private async Task<StoreProcess> StartGarnetAsync(string name, IReadOnlyList<string> args)
    {
        var port = FreePorts.Pick();
        var dataDir = args.SkipWhile(a => a != "--checkpointdir").Skip(1).First();
        var store = await StoreProcess.StartAsync(name, "dotnet", [StoreAssembly(), .. args], dataDir,
            new Dictionary<string, string> { ["STORE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, port);
        _started.Add(store);
        return store;
    }

    // AddRedisServerStore's arguments, its port a free one.
    private async Task<StoreProcess> StartRedisServerAsync()
    {
        var port = FreePorts.Pick();
        var dataDir = Path.Combine(_root, "redis-server");
        Directory.CreateDirectory(dataDir);
        var store = await StoreProcess.StartAsync("redis-server", "redis-server",
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dataDir,
             "--appendonly", "yes", "--save", "", "--protected-mode", "no"], dataDir, port: port);
        _started.Add(store);
        return store;
    }

    // ClusterGroups.Store's build output, of the configuration these tests were built in (the AppHost builds it).
    private static string StoreAssembly()
    {
        var segments = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar);
        var configuration = segments[Array.LastIndexOf(segments, "bin") + 1];
        var project = Path.GetDirectoryName(new Projects.ClusterGroups_Store().ProjectPath)!;
        var assembly = Path.Combine(project, "bin", configuration, "net10.0", "ClusterGroups.Store.dll");
        return File.Exists(assembly) ? assembly : throw new FileNotFoundException($"ClusterGroups.Store is not built: {assembly}");
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _started)
        {
            await store.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RealStoresCollection : ICollectionFixture<RealStoresFixture>
{
    public const string Name = "real stores (garnet, redis-server)";
}
