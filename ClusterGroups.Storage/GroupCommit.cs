namespace ClusterGroups.Storage;

// Durable replies by a group commit pipelined behind the writes (docs/ARCHITECTURE.md, "Stores"). A store executes
// one connection's commands in the order they came, so a commit sent on that connection after a write, without
// waiting for the write's reply, commits a log that holds the write: the write and its commit cost one round trip.
// A reply is handed on only once a commit enqueued after its write has succeeded.
//
// Both delegates must enqueue their command on the one connection before they return (StackExchange.Redis does, for
// one multiplexer's calls: RedisStore), so "asked after the write was enqueued" means "behind it on the wire".
//
// Sharing: one commit is in flight at a time. A write that comes while one is in flight may be behind it on the
// wire, so it waits for the next, which is enqueued as soon as the one in flight ends and covers everyone who came
// meanwhile. Nothing waits to fill a group: with none in flight the commit goes right behind the write. A failed
// commit fails exactly the writes it was enqueued for; the next write gets a commit of its own.
public sealed class GroupCommit(Func<Task> enqueueCommit)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _next;
    private bool _inFlight;

    // The write's reply once a commit enqueued after it has succeeded. A failed write's error, or else a failed
    // commit's, once both have ended.
    public async Task<T> AfterCommitAsync<T>(Func<Task<T>> enqueueWrite)
    {
        var reply = enqueueWrite();
        // Only now: a commit asked for before the write was enqueued could be ahead of it on the wire.
        var commit = CommitEnqueuedFromNowAsync();
        // Both end before anything is handed on: the write's own error first, else the commit's.
        await Task.WhenAll(reply, commit).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var result = await reply;
        await commit;
        return result;
    }

    // A commit enqueued after this call began, shared with everyone else who asks before it is enqueued.
    private Task CommitEnqueuedFromNowAsync()
    {
        Task mine;
        lock (_lock)
        {
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            mine = _next.Task;
            if (_inFlight)
            {
                return mine;
            }

            _inFlight = true;
        }

        // Runs to its first await here: the first commit is enqueued before this call returns.
        _ = CommitWhileAskedAsync();
        return mine;
    }

    // Each round takes everyone who asked so far, then enqueues one commit for them; again while anyone asked
    // meanwhile.
    private async Task CommitWhileAskedAsync()
    {
        while (true)
        {
            TaskCompletionSource round;
            lock (_lock)
            {
                if (_next is null)
                {
                    _inFlight = false;
                    return;
                }

                round = _next;
                _next = null;
            }

            try
            {
                await enqueueCommit();
                round.SetResult();
            }
            catch (Exception e)
            {
                round.SetException(e);
            }
        }
    }
}
