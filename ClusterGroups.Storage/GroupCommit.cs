namespace ClusterGroups.Storage;

// Group commit: callers who need the store's log durable up to what they have seen share one commit. One commit is in
// flight at a time; whoever asks meanwhile waits for the next one, which starts once the one in flight ends and
// covers them all. A commit is only ever started after every caller it answers had asked, so it covers whatever
// their replies showed (a commit issued earlier might have reached the store before their writes did).
// A failed commit fails exactly the callers it was started for; the next caller starts a new one.
public sealed class GroupCommit(Func<Task> commit)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _waiting;
    private bool _running;

    public Task CommitAsync()
    {
        Task mine;
        lock (_lock)
        {
            _waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            mine = _waiting.Task;
            if (_running)
            {
                return mine;
            }

            _running = true;
        }

        _ = RunAsync();
        return mine;
    }

    // Commits while anyone waits: each round takes everyone who asked so far, then commits for them.
    private async Task RunAsync()
    {
        while (true)
        {
            TaskCompletionSource round;
            lock (_lock)
            {
                if (_waiting is null)
                {
                    _running = false;
                    return;
                }

                round = _waiting;
                _waiting = null;
            }

            try
            {
                await commit();
                round.SetResult();
            }
            catch (Exception e)
            {
                round.SetException(e);
            }
        }
    }
}
