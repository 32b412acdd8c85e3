using System.Collections.Concurrent;
using ClusterGroups.Storage;

namespace ClusterGroups.UnitTests.Storage;

// The group commit behind every store reply (RedisStore): a caller is answered only by a commit that started after it
// asked (one already in flight may have reached the store before the caller's write), callers of one moment share a
// commit, and a failed commit fails exactly its own callers. Each commit here is held open by the test, as a slow
// log write would be; the end-to-end guarantee (kill -9 of the store loses no acknowledged write) is
// ClusterGroups.Tests/Durability/StoreKillTests.
public sealed class GroupCommitTests
{
    private static readonly TimeSpan Box = TimeSpan.FromSeconds(10);

    // Commits the test completes one by one, in the order they started.
    private sealed class HeldCommits
    {
        private readonly ConcurrentQueue<TaskCompletionSource> _started = new();
        private readonly SemaphoreSlim _count = new(0);

        public int Started => _started.Count;

        public Task Commit()
        {
            var commit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _started.Enqueue(commit);
            _count.Release();
            return commit.Task;
        }

        public async Task<TaskCompletionSource> NextAsync(int index)
        {
            while (_started.Count <= index)
            {
                await _count.WaitAsync().WaitAsync(Box);
            }

            return _started.ElementAt(index);
        }
    }

    [Fact]
    public async Task Callers_who_ask_while_a_commit_is_in_flight_wait_for_the_next_one_and_share_it()
    {
        var commits = new HeldCommits();
        var gate = new GroupCommit(commits.Commit);

        var first = gate.CommitAsync();
        var inFlight = await commits.NextAsync(0);
        var later = Enumerable.Range(0, 10).Select(_ => gate.CommitAsync()).ToList();

        inFlight.SetResult();
        await first.WaitAsync(Box);
        // The commit in flight when they asked does not answer them: it may have been written before their writes.
        Assert.All(later, t => Assert.False(t.IsCompleted));

        var next = await commits.NextAsync(1);
        Assert.All(later, t => Assert.False(t.IsCompleted));
        next.SetResult();
        await Task.WhenAll(later).WaitAsync(Box);
        Assert.Equal(2, commits.Started); // ten callers, one commit
    }

    [Fact]
    public async Task A_failed_commit_fails_its_own_callers_and_the_next_caller_gets_a_commit_of_its_own()
    {
        var commits = new HeldCommits();
        var gate = new GroupCommit(commits.Commit);

        var failing = gate.CommitAsync();
        (await commits.NextAsync(0)).SetException(new TimeoutException("log write timed out"));
        await Assert.ThrowsAsync<TimeoutException>(() => failing.WaitAsync(Box));

        var after = gate.CommitAsync();
        (await commits.NextAsync(1)).SetResult();
        await after.WaitAsync(Box);
        Assert.Equal(2, commits.Started);
    }

    [Fact]
    public async Task A_lone_caller_is_committed_at_once()
    {
        var commits = new HeldCommits();
        var gate = new GroupCommit(commits.Commit);

        for (var i = 0; i < 3; i++)
        {
            var call = gate.CommitAsync();
            (await commits.NextAsync(i)).SetResult();
            await call.WaitAsync(Box);
        }

        Assert.Equal(3, commits.Started);
    }
}
