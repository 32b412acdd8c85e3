namespace ClusterGroups.Client;

// A client's group commit toward the Api (ClusterGroupsClientOptions.Batching), in the shape of the Api's own toward
// its nodes and its coordinator: nothing waits to fill a batch. A write that finds fewer than maxInFlight requests of
// this client in flight goes at once, as its single request; otherwise it queues, and when a request returns, what
// queued meanwhile (up to maxItems) goes as one request: a single one for one write, a batch for more. So one caller
// at a time is never batched, and many share requests in proportion to how many wait.
internal sealed class WriteBatcher(
    Func<PendingWrite, Task<ApiAnswer>> single,
    Func<IReadOnlyList<PendingWrite>, Task> batch,
    int maxInFlight,
    int maxItems)
{
    private readonly Lock _lock = new();
    private readonly Queue<PendingWrite> _queue = new();
    private int _inFlight;

    public async Task<ApiAnswer> SendAsync(PendingWrite write)
    {
        var now = false;
        lock (_lock)
        {
            if (_inFlight < maxInFlight)
            {
                _inFlight++;
                now = true;
            }
            else
            {
                _queue.Enqueue(write);
            }
        }

        if (now)
        {
            try
            {
                return await single(write);
            }
            finally
            {
                Next();
            }
        }

        // A caller that gives up stops waiting. Its write goes only if it had left the queue by then (in a request on
        // its way: its key makes a copy harmless); one still queued is dropped when the next batch is taken (Next), so
        // a call cancelled before it was sent is never sent, as without batching.
        return await write.Answer.Task.WaitAsync(write.Cancellation);
    }

    // A request returned: what queued meanwhile goes now, as one request; the slot stays taken until the queue is empty.
    private void Next()
    {
        List<PendingWrite> next;
        lock (_lock)
        {
            next = new List<PendingWrite>(Math.Min(_queue.Count, maxItems));
            while (next.Count < maxItems && _queue.TryDequeue(out var write))
            {
                if (write.Cancellation.IsCancellationRequested)
                {
                    write.Answer.TrySetCanceled(write.Cancellation);
                    continue;
                }

                next.Add(write);
            }

            if (next.Count == 0)
            {
                _inFlight--;
                return;
            }
        }

        _ = DispatchAsync(next);
    }

    // The batch sender answers each write itself (some may go again alone); whatever it leaves unanswered by throwing
    // gets that exception.
    private async Task DispatchAsync(List<PendingWrite> writes)
    {
        try
        {
            if (writes.Count == 1)
            {
                writes[0].Answer.TrySetResult(await single(writes[0]));
            }
            else
            {
                await batch(writes);
            }
        }
        catch (Exception e)
        {
            foreach (var write in writes)
            {
                write.Answer.TrySetException(e);
            }
        }
        finally
        {
            Next();
        }
    }
}
