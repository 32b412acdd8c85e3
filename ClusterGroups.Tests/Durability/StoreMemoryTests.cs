using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.AppHost.Cluster;
using ClusterGroups.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Durability;

// Nothing the protocol relies on may be evicted: an embedded store given 64m (the AppHost's arguments otherwise) is
// filled far past it with what nodes and the coordinator keep (a hash of 200 000 groups, a sorted set like the journal's
// indexes, 250 000 string keys like entries and key records), and loses nothing, neither then nor after a kill -9 and
// a restart with --recover. Without --storage-tier the same fill lost the whole hash.
public sealed class StoreMemoryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int HashFields = 200_000, SortedMembers = 50_000, Strings = 250_000;
    private static readonly string Value = new('v', 200);
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "clustergroups-tests", $"memory-{Guid.NewGuid():N}");
    private DistributedApplication _app = null!;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(Wait.AppStart);
        // The AppHost's builder (Aspire.Hosting.Testing finds its orchestrator through it), emptied, with one store
        // added by the AppHost's own code.
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ClusterGroups_AppHost>(
            ["--Cluster:Nodes=1", "--Cluster:Coordinator=false", $"--Cluster:DataDir={_dataDir}"], cts.Token);
        foreach (var resource in builder.Resources.ToList())
        {
            builder.Resources.Remove(resource);
        }

        builder.AddGarnetStore("store", _dataDir, atomicScripts: true, memory: "64m");
        _app = builder.Build();
        await _app.StartAsync(cts.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("store", cts.Token);
    }

    [Fact]
    public async Task A_store_filled_far_past_its_memory_loses_nothing_then_or_after_kill_9_and_recover()
    {
        using (var store = await ConnectAsync())
        {
            var db = store.GetDatabase();
            foreach (var batch in Enumerable.Range(0, HashFields).Chunk(1000))
            {
                await db.HashSetAsync("groups", [.. batch.Select(i => new HashEntry(Field(i), "~"))]).WaitAsync(Wait.Request);
            }

            foreach (var batch in Enumerable.Range(0, SortedMembers).Chunk(1000))
            {
                await db.SortedSetAddAsync("cg:ops", [.. batch.Select(i => new SortedSetEntry(Field(i), i))]).WaitAsync(Wait.Request);
            }

            foreach (var batch in Enumerable.Range(0, Strings).Chunk(1000))
            {
                await db.StringSetAsync([.. batch.Select(i => new KeyValuePair<RedisKey, RedisValue>(Key(i), Value))]).WaitAsync(Wait.Request);
            }

            await AssertAllThereAsync(db, "after the fill");
        }

        // A crash, then the AppHost's own restart (the same arguments: --recover).
        using (var process = System.Diagnostics.Process.GetProcessById(Pid()))
        {
            process.Kill(entireProcessTree: true);
        }

        using var cts = new CancellationTokenSource(Wait.Resource);
        await _app.ResourceNotifications.WaitForResourceAsync("store",
            e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text) || e.Snapshot.State?.Text == "Unknown", cts.Token);
        var started = await _app.ResourceCommands.ExecuteCommandAsync("store", KnownResourceCommands.StartCommand, cts.Token);
        Assert.True(started.Success, started.Message);

        using (var store = await ConnectAsync())
        {
            await AssertAllThereAsync(store.GetDatabase(), "after kill -9 and recover");
        }

        var onDisk = Directory.EnumerateFiles(_dataDir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        output.WriteLine($"store files: {onDisk / 1_000_000} MB for a 64m store");
    }

    private static async Task AssertAllThereAsync(IDatabase db, string when)
    {
        Assert.Equal(HashFields, await db.HashLengthAsync("groups").WaitAsync(Wait.Request));
        Assert.Equal(SortedMembers, await db.SortedSetLengthAsync("cg:ops").WaitAsync(Wait.Request));
        var missingFields = 0;
        foreach (var batch in Enumerable.Range(0, HashFields).Chunk(1000))
        {
            var values = await db.HashGetAsync("groups", [.. batch.Select(i => (RedisValue)Field(i))]).WaitAsync(Wait.Request);
            missingFields += values.Count(v => v != "~");
        }

        var missingStrings = 0;
        foreach (var batch in Enumerable.Range(0, Strings).Chunk(1000))
        {
            var values = await db.StringGetAsync([.. batch.Select(i => (RedisKey)Key(i))]).WaitAsync(Wait.Request);
            missingStrings += values.Count(v => v != Value);
        }

        var score = await db.SortedSetScoreAsync("cg:ops", Field(SortedMembers - 1)).WaitAsync(Wait.Request);
        Assert.True(missingFields == 0 && missingStrings == 0 && score == SortedMembers - 1,
            $"{when}: {missingFields} of {HashFields} hash fields and {missingStrings} of {Strings} strings lost, last member's score {score}");
    }

    private static string Field(int i) => $"g-{i:D7}";

    private static string Key(int i) => $"cg:op:{i:D7}";

    private int Pid()
    {
        Assert.True(_app.ResourceNotifications.TryGetCurrentState("store", out var state));
        return Convert.ToInt32(state.Snapshot.Properties.First(p => p.Name == "executable.pid").Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<ConnectionMultiplexer> ConnectAsync() =>
        await StoreConnection.WhenAnsweringAsync((await _app.GetConnectionStringAsync("store").AsTask().WaitAsync(Wait.Request))!, "the store");

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            using var cts = new CancellationTokenSource(Wait.Resource);
            await _app.StopAsync(cts.Token).WaitAsync(Wait.Resource);
            await _app.DisposeAsync().AsTask().WaitAsync(Wait.Resource);
        }

        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
