namespace ClusterGroups.Api.Coordinator;

// An Api process's operation writes toward the coordinator (starts, begins, saves, closes), batched naturally (group
// commit), in the shape of the node writes' NodeWriteQueue: nothing waits to fill a batch. A write that finds no
// request of the queue in flight goes at once, as its single call (the very script it runs without batching); while
// one is in flight, further writes queue, and when it returns, everything queued (up to maxItems) goes as one request:
// a single call for one write, a batch (ICoordinatorBatch) for more. So at concurrency 1 every write is its single
// call, and under load the coordinator gets one request per round trip, carrying what queued meanwhile.
// A caller waits for its write's answer as for a single call (the store client's own timeout bounds the request: a
// batch that gets no answer is every write's lost answer, CoordinatorStoreException).
public sealed class CoordinatorWriteQueue(
    Func<CoordinatorWrite, Task<object?>> single,
    Func<IReadOnlyList<CoordinatorWrite>, Task<IReadOnlyList<CoordinatorAnswer>>> batch,
    int maxItems,
    Action<int>? sent = null)
{
    private readonly Lock _lock = new();
    private readonly Queue<Pending> _queue = new();
    private bool _busy;

    public async Task<object?> SendAsync(CoordinatorWrite write)
    {
        Pending? queued = null;
        lock (_lock)
        {
            if (!_busy)
            {
                _busy = true;
            }
            else
            {
                queued = new Pending(write);
                _queue.Enqueue(queued);
            }
        }

        if (queued is null)
        {
            try
            {
                sent?.Invoke(1);
                return await single(write);
            }
            finally
            {
                Next();
            }
        }

        return await queued.Answer.Task;
    }

    // The request in flight returned: what queued meanwhile goes now, as one request (the queue stays busy until it
    // is empty).
    private void Next()
    {
        List<Pending> next;
        lock (_lock)
        {
            next = new List<Pending>(Math.Min(_queue.Count, maxItems));
            while (next.Count < maxItems && _queue.TryDequeue(out var pending))
            {
                next.Add(pending);
            }

            if (next.Count == 0)
            {
                _busy = false;
                return;
            }
        }

        _ = DispatchAsync(next);
    }

    // The answers are handed out after the next request is on its way: a caller's continuation runs on this thread
    // (in the simulator, on the replica's own scheduler) until its next await.
    private async Task DispatchAsync(List<Pending> pending)
    {
        var completions = new List<Action>(pending.Count);
        try
        {
            sent?.Invoke(pending.Count);
            var answers = pending.Count == 1
                ? [await AloneAsync(pending[0].Write)]
                : await batch([.. pending.Select(p => p.Write)]);
            for (var i = 0; i < pending.Count; i++)
            {
                var (waiting, answer) = (pending[i], answers[i]);
                completions.Add(answer.Error is { } error
                    ? () => waiting.Answer.TrySetException(error)
                    : () => waiting.Answer.TrySetResult(answer.Value));
            }
        }
        catch (Exception e)
        {
            // The batch failed as a whole (the store unreachable, no answer): every write's answer is that failure.
            completions.Clear();
            completions.AddRange(pending.Select(p => (Action)(() => p.Answer.TrySetException(e))));
        }
        finally
        {
            Next();
        }

        foreach (var complete in completions)
        {
            complete();
        }
    }

    private async Task<CoordinatorAnswer> AloneAsync(CoordinatorWrite write)
    {
        try
        {
            return new CoordinatorAnswer(await single(write), null);
        }
        catch (Exception e)
        {
            return new CoordinatorAnswer(null, e);
        }
    }

    private sealed class Pending(CoordinatorWrite write)
    {
        public CoordinatorWrite Write { get; } = write;
        public TaskCompletionSource<object?> Answer { get; } = new();
    }
}
