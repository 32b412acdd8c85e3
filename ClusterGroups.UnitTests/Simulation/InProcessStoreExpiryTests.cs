using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Keyspace;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace ClusterGroups.UnitTests.Simulation;

// Expiry in the in-process store runs on the clock it is given (the simulator's), lazily, as Redis judges it: a key
// is gone once its time has passed, not at it.
public sealed class InProcessStoreExpiryTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_key_set_with_PX_lives_until_its_time_and_is_gone_just_after()
    {
        using var store = new InProcessStore(_time);
        await store.ExecuteAsync("SET", "k", "v", "PX", 1000);

        _time.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.Equal("v", (string?)await store.ExecuteAsync("GET", "k"));
        Assert.Equal(0, (long)await store.ExecuteAsync("PTTL", "k"));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True((await store.ExecuteAsync("GET", "k")).IsNull);
        Assert.Equal(-2, (long)await store.ExecuteAsync("PTTL", "k"));
        Assert.Equal(0, (long)await store.ExecuteAsync("EXISTS", "k"));
        Assert.Empty((RedisResult[])(await store.ExecuteAsync("KEYS", "*"))!);
    }

    [Fact]
    public async Task PEXPIRE_and_PTTL_count_on_the_injected_clock_and_a_plain_SET_drops_the_expiry()
    {
        using var store = new InProcessStore(_time);
        await store.ExecuteAsync("SET", "n", "1");
        Assert.Equal(-1, (long)await store.ExecuteAsync("PTTL", "n"));
        Assert.Equal(1, (long)await store.ExecuteAsync("PEXPIRE", "n", 5000));

        _time.Advance(TimeSpan.FromMilliseconds(2000));
        Assert.Equal(3000, (long)await store.ExecuteAsync("PTTL", "n"));
        await store.ExecuteAsync("INCR", "n");
        Assert.Equal(3000, (long)await store.ExecuteAsync("PTTL", "n"));

        await store.ExecuteAsync("SET", "n", "7");
        Assert.Equal(-1, (long)await store.ExecuteAsync("PTTL", "n"));
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal("7", (string?)await store.ExecuteAsync("GET", "n"));
    }

    [Fact]
    public async Task A_node_forgets_a_key_after_its_replay_window_on_simulated_time()
    {
        using var store = new InProcessStore(_time);
        var groups = new GroupStore(store);
        Assert.Equal(WriteResult.Applied, (await groups.CreateAsync("g1", "k1", 5)).Result);
        Assert.Equal(WriteResult.AlreadySo, (await groups.CreateAsync("g1", "k2", 5)).Result);
        Assert.Equal(new WriteOutcome(WriteResult.Replayed, WriteResult.AlreadySo), await groups.CreateAsync("g1", "k2", 5));

        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMilliseconds(1));

        // The records are gone: a key that changed nothing left no trace, so it now meets the group as it is; the key
        // that created the group is still named by it, so it is answered as applied (docs/ARCHITECTURE.md, "What a key
        // did, after its record expired").
        Assert.Equal(-2, (long)await store.ExecuteAsync("PTTL", "idem:k2"));
        Assert.Equal(WriteResult.AlreadySo, (await groups.CreateAsync("g1", "k2", 5)).Result);
        Assert.Equal(new WriteOutcome(WriteResult.Replayed, WriteResult.Applied), await groups.CreateAsync("g1", "k1", 5));
    }

    // A takeover reads both of the operation's keys as an abort does: after their records expired, from the group's
    // state that names them. (Reading the records alone called the apply "aborted" with its group still on the node,
    // and gave a tombstone's two keys as the deleting one.)
    [Fact]
    public async Task A_takeover_after_the_records_expired_knows_both_keys_from_the_group_state()
    {
        using var store = new InProcessStore(_time);
        var groups = new GroupStore(store);
        Assert.Equal(WriteResult.Applied, (await groups.CreateAsync("g1", "op1", 5)).Result);
        Assert.Equal(WriteResult.Applied, (await groups.CreateAsync("g2", "op2", 5)).Result);
        Assert.Equal(WriteResult.Applied, (await groups.DeleteAsync("g2", "op2:undo", 5)).Result);

        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMilliseconds(1));

        Assert.Equal((new TakeOverState(true, "op1", "create:applied", null), (long?)null), await groups.TakeOverAsync("g1", "op1", "op1:undo", 6));
        Assert.Equal((new TakeOverState(false, "op2:undo", "create:applied", "delete:applied"), (long?)null),
            await groups.TakeOverAsync("g2", "op2", "op2:undo", 6));

        // Recorded again: a late copy of the apply write is answered as applied, never refused as aborted.
        Assert.Equal(new WriteOutcome(WriteResult.Replayed, WriteResult.Applied), await groups.CreateAsync("g1", "op1", 6));
        // A key found nowhere is still shut by the takeover.
        Assert.Equal("abort:aborted", (await groups.TakeOverAsync("g3", "op4", "op4:undo", 8)).State!.Apply);
        Assert.Equal(WriteResult.Aborted, (await groups.CreateAsync("g3", "op4", 8)).Result);
    }

    [Fact]
    public async Task TIME_reads_the_injected_clock()
    {
        _time.SetUtcNow(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(12_345_670));
        using var store = new InProcessStore(_time);

        var parts = (RedisResult[])(await store.ExecuteAsync("TIME"))!;

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero).ToUnixTimeSeconds(), long.Parse((string)parts[0]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("234567", (string?)parts[1]);
    }
}
