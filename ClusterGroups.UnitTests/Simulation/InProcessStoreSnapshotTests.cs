using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Keyspace;
using Microsoft.Extensions.Time.Testing;

namespace ClusterGroups.UnitTests.Simulation;

// Snapshot / Restore: how the simulator makes a store crash lose what it had not made durable.
public sealed class InProcessStoreSnapshotTests
{
    [Fact]
    public async Task Restore_brings_back_the_snapshot_and_nothing_written_after_it_any_number_of_times()
    {
        using var store = new InProcessStore();
        var groups = new GroupStore(store);
        await groups.CreateAsync("g1", "k1", 5);
        var durable = store.Snapshot();

        await groups.CreateAsync("g2", "k2", 6);
        await groups.DeleteAsync("g1", "d1", 7);
        await store.ExecuteAsync("HSET", "other", "f", "v");
        store.Restore(durable);

        Assert.Equal(["g1"], await groups.ListAsync());
        Assert.Equal(WriteResult.Fenced, (await groups.DeleteAsync("g1", "d9", 4)).Result);
        Assert.Equal(WriteResult.Applied, (await groups.CreateAsync("g2", "k2", 6)).Result);
        Assert.True((await store.ExecuteAsync("HGET", "other", "f")).IsNull);

        // The first restore copied the snapshot: what was written since does not leak into it.
        store.Restore(durable);
        Assert.Equal(["g1"], await groups.ListAsync());
        Assert.Equal(1, (await groups.DigestAsync()).Counts.Sum());
    }

    [Fact]
    public async Task A_snapshot_keeps_expiry_times_as_instants()
    {
        var time = new FakeTimeProvider();
        using var store = new InProcessStore(time);
        await store.ExecuteAsync("SET", "lease", "owner", "PX", 1000);
        var snapshot = store.Snapshot();

        time.Advance(TimeSpan.FromMilliseconds(400));
        store.Restore(snapshot);
        Assert.Equal(600, (long)await store.ExecuteAsync("PTTL", "lease"));

        time.Advance(TimeSpan.FromMilliseconds(601));
        store.Restore(snapshot);
        Assert.True((await store.ExecuteAsync("GET", "lease")).IsNull);
    }
}
