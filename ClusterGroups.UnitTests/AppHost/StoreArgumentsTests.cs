using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.AppHost.Cluster;

namespace ClusterGroups.UnitTests.AppHost;

// Each store kind acknowledges a write only once it survives a crash of the store (README, "What a store promises"),
// and nothing it holds is evicted. The kinds that run here are also killed under load (ClusterGroups.Tests/Durability);
// the redis container kind needs Docker, so its command line is checked here, as the AppHost builds it.
public sealed class StoreArgumentsTests
{
    private static string? After(IReadOnlyList<string> args, string flag)
    {
        var at = args.ToList().IndexOf(flag);
        return at >= 0 && at + 1 < args.Count ? args[at + 1] : null;
    }

    [Fact]
    public void The_embedded_store_logs_every_write_and_keeps_what_memory_cannot_hold_on_disk()
    {
        var args = StoreArguments.Garnet("/data/store1", atomicScripts: true);
        Assert.Contains("--aof", args);
        // Its clients wait for the log (RedisStore's COMMITAOF); --aof-commit-wait would make every operation of a
        // script wait for a commit of its own.
        Assert.DoesNotContain("--aof-commit-wait", args);
        Assert.Equal("RandomAccess", After(args, "--device-type"));
        Assert.Equal("1000", After(args, "--aof-commit-freq")); // the clients' COMMITAOF is what answers wait for
        Assert.Contains("--recover", args);
        Assert.Contains("--storage-tier", args);
        Assert.Equal("/data/store1", After(args, "--logdir"));
        Assert.Equal("/data/store1", After(args, "--checkpointdir"));
        Assert.Contains("--lua-transaction-mode", args);
    }

    [Fact]
    public void Only_the_benchmarks_a_b_turns_durable_acknowledgements_off()
    {
        Assert.Equal("everysec", After(StoreArguments.RedisServer("/d", durableAcks: false), "--appendfsync"));
    }

    [Fact]
    public void A_redis_server_fsyncs_its_append_only_file_before_every_reply()
    {
        var args = StoreArguments.RedisServer("/data/store1");
        Assert.Equal("yes", After(args, "--appendonly"));
        Assert.Equal("always", After(args, "--appendfsync"));
        Assert.Equal("/data/store1", After(args, "--dir"));
    }

    [Fact]
    public void Readme_starts_a_store_alone_with_the_apphosts_arguments()
    {
        var readme = File.ReadAllText(Path.Combine(ClusterGroups.UnitTests.Deploy.DeployFiles.Root, "README.md"));
        Assert.Contains("dotnet run --project ClusterGroups.Store -- --port 6390 " +
                        string.Join(' ', StoreArguments.Garnet("/tmp/store1", atomicScripts: true)), readme, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StoreKind.Garnet)]
    [InlineData(StoreKind.RedisServer)]
    [InlineData(StoreKind.Redis)]
    public async Task Every_kind_the_apphost_builds_runs_with_those_arguments(StoreKind kind)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), $"cg-args-{Guid.NewGuid():N}");
        var builder = DistributedApplication.CreateBuilder();
        var store = builder.AddStore("store1", new ClusterSettings(1, kind, dataDir, CoordinatorKind.Store, 1, new Dictionary<string, string>()), atomicScripts: true);

        var args = await ArgumentsAsync((IResourceWithArgs)store.Resource);
        if (kind == StoreKind.Garnet)
        {
            Assert.Equal(StoreArguments.Garnet(Path.Combine(dataDir, "garnet", "store1"), atomicScripts: true), args);
            return;
        }

        Assert.Equal("always", After(args, "--appendfsync"));
        Assert.Equal("yes", After(args, "--appendonly"));
        Assert.Equal("", After(args, "--save")); // no RDB snapshots: the append-only file is the data
        if (kind == StoreKind.Redis)
        {
            // Our own command line in the stock image (the one deploy/ runs), not Aspire's default of a snapshot a minute.
            var container = Assert.IsType<RedisContainerStoreResource>(store.Resource);
            Assert.True(container.TryGetLastAnnotation<ContainerImageAnnotation>(out var image));
            Assert.Equal(("redis", "7.4-alpine"), (image.Image, image.Tag));
            Assert.Equal("redis-server", args[0]);
            Assert.Equal("/data", After(args, "--dir"));
            Assert.Equal("0.0.0.0", After(args, "--bind"));
            Assert.Contains(container.Annotations.OfType<ContainerMountAnnotation>(), m => m.Target == "/data");
        }
    }

    private static async Task<IReadOnlyList<string>> ArgumentsAsync(IResourceWithArgs resource)
    {
        var args = new List<object>();
        foreach (var annotation in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await annotation.Callback(new CommandLineArgsCallbackContext(args));
        }

        // The port is an endpoint reference, known only once the app runs; every other argument is a string.
        return [.. args.Select(a => a as string ?? "<reference>")];
    }
}
