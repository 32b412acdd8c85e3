using ClusterGroups.Storage;
using static ClusterGroups.UnitTests.Storage.RecordingConnection;

namespace ClusterGroups.UnitTests.Storage;

// The commit behind every store reply (RedisStore), against a connection that records the order commands were
// enqueued in (the order the store runs them): a reply is handed on only once a COMMITAOF enqueued after its write has
// succeeded; the commit goes right behind the write, not after its reply (one round trip, not two); writes of one
// moment share a commit; a failed commit fails exactly the writes it was enqueued for. The end-to-end guarantee (kill
// -9 of the store loses no acknowledged write) is ClusterGroups.Tests/Durability/StoreKillTests.
public sealed class GroupCommitTests
{
    private static readonly TimeSpan Box = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_lone_write_has_its_commit_enqueued_right_behind_it_and_its_reply_waits_for_that_commit()
    {
        var wire = new RecordingConnection();
        var commits = new GroupCommit(wire.EnqueueCommit);

        var call = commits.AfterCommitAsync(() => wire.Send("W"));
        // Before the write's reply: the commit is on its way in the same round trip.
        Assert.Equal(["W", Commit], wire.Names);

        wire.Answer(0);
        await Task.Yield();
        Assert.False(call.IsCompleted); // the reply alone is not durable
        wire.Answer(1);
        Assert.Equal(0, await call.WaitAsync(Box));
    }

    [Fact]
    public async Task Writes_one_at_a_time_each_get_a_commit_at_once()
    {
        var wire = new RecordingConnection();
        var commits = new GroupCommit(wire.EnqueueCommit);

        for (var i = 0; i < 3; i++)
        {
            var call = commits.AfterCommitAsync(() => wire.Send($"W{i}"));
            // Enqueued at once, though perhaps by the thread that ended the last commit.
            await wire.WaitForAsync(2 * i + 2);
            wire.Answer(2 * i);
            wire.Answer(2 * i + 1);
            await call.WaitAsync(Box);
        }

        Assert.Equal(["W0", Commit, "W1", Commit, "W2", Commit], wire.Names);
    }

    [Fact]
    public async Task Writes_that_come_while_a_commit_is_in_flight_share_the_next_one_enqueued_behind_them_all()
    {
        var wire = new RecordingConnection();
        var commits = new GroupCommit(wire.EnqueueCommit);
        var first = commits.AfterCommitAsync(() => wire.Send("W0"));

        var later = await Task.WhenAll(Enumerable.Range(1, 10).Select(i => Task.Factory.StartNew(
            () => commits.AfterCommitAsync(() => wire.Send($"W{i}")),
            CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default))).WaitAsync(Box);
        // The commit in flight may have reached the store before their writes: none of them is answered by it, and
        // no commit of theirs goes out before it ends (one in flight: they share the next).
        Assert.Equal(12, wire.Names.Count);
        Assert.Equal(1, wire.Names.Count(n => n == Commit));
        for (var p = 0; p < 12; p++)
        {
            if (p != 1)
            {
                wire.Answer(p);
            }
        }

        wire.Answer(1);
        await first.WaitAsync(Box);
        Assert.All(later, t => Assert.False(t.IsCompleted));

        var names = await wire.WaitForAsync(13);
        Assert.Equal(Commit, names[12]); // behind every one of their writes
        Assert.All(later, t => Assert.False(t.IsCompleted));
        wire.Answer(12);
        await Task.WhenAll(later).WaitAsync(Box);
        Assert.Equal(2, wire.Names.Count(n => n == Commit)); // eleven writes, two commits
    }

    [Fact]
    public async Task A_failed_commit_fails_exactly_the_writes_it_was_enqueued_for()
    {
        var wire = new RecordingConnection();
        var commits = new GroupCommit(wire.EnqueueCommit);
        var covered = commits.AfterCommitAsync(() => wire.Send("W0"));
        var waiting = new[] { commits.AfterCommitAsync(() => wire.Send("W1")), commits.AfterCommitAsync(() => wire.Send("W2")) };
        Assert.Equal(["W0", Commit, "W1", "W2"], wire.Names);
        wire.Answer(0);
        wire.Answer(2);
        wire.Answer(3);

        wire.Fail(1);
        var failed = await Assert.ThrowsAsync<CommitFailedException>(() => covered.WaitAsync(Box));
        Assert.Equal(1, failed.Position);

        // W1 and W2 were not its writes: they get the next commit, behind them.
        Assert.Equal(Commit, (await wire.WaitForAsync(5))[4]);
        Assert.All(waiting, t => Assert.False(t.IsCompleted));
        wire.Answer(4);
        var answers = await Task.WhenAll(waiting).WaitAsync(Box);
        Assert.Equal([2, 3], answers);

        var after = commits.AfterCommitAsync(() => wire.Send("W3"));
        Assert.Equal(["W0", Commit, "W1", "W2", Commit, "W3", Commit], await wire.WaitForAsync(7));
        wire.Answer(5);
        wire.Answer(6);
        await after.WaitAsync(Box);
    }

    [Fact]
    public async Task A_failed_write_hands_on_its_own_error_once_its_commit_ended()
    {
        var wire = new RecordingConnection();
        var commits = new GroupCommit(wire.EnqueueCommit);

        var call = commits.AfterCommitAsync(() => wire.Send("W0"));
        wire.Fail(0, new InvalidOperationException("script error"));
        await Task.Yield();
        Assert.False(call.IsCompleted);
        wire.Fail(1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => call.WaitAsync(Box));
    }

    // Many callers at once against a connection that answers everything on pool threads and fails one commit in four:
    // every reply handed on had a commit enqueued after its write succeed first, and every failure is a commit's
    // failure enqueued after the caller's write.
    [Fact]
    public async Task Under_concurrent_callers_every_reply_follows_a_commit_enqueued_behind_its_write()
    {
        var wire = new RecordingConnection(failCommit: c => c.Position % 4 == 3);
        var commits = new GroupCommit(wire.EnqueueCommit);
        var answered = 0;
        var failed = 0;

        async Task CallerAsync()
        {
            for (var i = 0; i < 300; i++)
            {
                var written = -1;
                try
                {
                    var position = await commits.AfterCommitAsync(() =>
                    {
                        var command = wire.Enqueue("W");
                        written = command.Position;
                        return command.Reply.Task;
                    }).WaitAsync(Box);
                    Assert.True(wire.LastSucceededCommit > position,
                        $"write at {position} answered, the last commit that succeeded is at {wire.LastSucceededCommit}");
                    Interlocked.Increment(ref answered);
                }
                catch (CommitFailedException e)
                {
                    Assert.True(e.Position > written, $"write at {written} failed by the commit at {e.Position}, enqueued before it");
                    Interlocked.Increment(ref failed);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(CallerAsync))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2400, answered + failed);
        Assert.True(answered > 0 && failed > 0, $"{answered} answered, {failed} failed");
    }
}
