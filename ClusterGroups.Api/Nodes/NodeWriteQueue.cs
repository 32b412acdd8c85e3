using ClusterGroups.Api.Model;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Nodes;

// The writes toward one node, batched naturally (group commit): nothing waits to fill a batch. A write that finds no
// request of the queue in flight goes at once, as its single call; while one is in flight, further writes queue, and
// when it returns, everything queued (up to MaxItems) goes as one request: a single call for one write, a batch for
// more. So at concurrency 1 every write is its single call, and under load a node gets one request per round trip.
// Every caller waits for its own write's answer at most its own attempt timeout (the node's, as a single call would),
// and then has the answer a single call gets when no answer came: unknown effect (timeout).
public sealed class NodeWriteQueue(
    ClusterNode node, INodeBatchClient batches, NodeLatency latency, TimeProvider time, int maxItems, Action<int> sent)
{
    private readonly Lock _lock = new();
    private readonly Queue<Pending> _queue = new();
    private bool _busy;

    // Cleared for good when the node turns out not to know the batch route (an older node): every write single again.
    private volatile bool _supported = true;

    public async Task<NodeCall> SendAsync(NodeBatchItem item, Func<Task<NodeCall>> single, CancellationToken ct)
    {
        if (!_supported)
        {
            sent(1);
            return await single();
        }

        Pending? queued = null;
        lock (_lock)
        {
            if (!_busy)
            {
                _busy = true;
            }
            else
            {
                queued = new Pending(item, single, time.GetTimestamp());
                _queue.Enqueue(queued);
            }
        }

        if (queued is not { } pending)
        {
            try
            {
                sent(1);
                return await single();
            }
            finally
            {
                Next();
            }
        }

        try
        {
            return await pending.Answer.Task.WaitAsync(latency.AttemptTimeout(node.Name), time, ct);
        }
        catch (TimeoutException)
        {
            // Not sent yet: it never will be. Sent: its answer, when it comes, is nobody's.
            lock (_lock)
            {
                pending.Abandoned = true;
            }

            var waited = time.GetElapsedTime(pending.Queued).TotalMilliseconds;
            latency.Record(node.Name, waited);
            return new NodeCall(item.Kind, null, CallError.Timeout, "no answer within the attempt timeout", waited);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            lock (_lock)
            {
                pending.Abandoned = true;
            }

            throw;
        }
    }

    // The request in flight returned: what queued meanwhile goes now, as one request (the queue stays busy until the
    // queue is empty).
    private void Next()
    {
        List<Pending> batch;
        lock (_lock)
        {
            batch = new List<Pending>(Math.Min(_queue.Count, maxItems));
            while (batch.Count < maxItems && _queue.TryDequeue(out var next))
            {
                if (!next.Abandoned)
                {
                    batch.Add(next);
                }
            }

            if (batch.Count == 0)
            {
                _busy = false;
                return;
            }
        }

        _ = DispatchAsync(batch);
    }

    // The answers are handed out after the next request is on its way: a caller's continuation runs on this thread
    // (no hop to the thread pool; in the simulator, on the replica's own scheduler) until its next await.
    private async Task DispatchAsync(List<Pending> batch)
    {
        var completions = new List<Action>(batch.Count);
        try
        {
            sent(batch.Count);
            if (batch.Count == 1)
            {
                await SingleAsync(batch[0]);
                return;
            }

            var (items, call) = await batches.BatchAsync(node, [.. batch.Select(p => p.Item)], CancellationToken.None);
            if (items is null && call.Status is 404 or 405)
            {
                // The node does not know the route (an older node), so nothing of the batch was written: each write
                // goes on its own, in the batch's order, and from now on every write to the node is single.
                _supported = false;
                foreach (var pending in batch)
                {
                    sent(1);
                    await SingleAsync(pending);
                }

                return;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                var pending = batch[i];
                var waited = time.GetElapsedTime(pending.Queued).TotalMilliseconds;
                var answer = items is not null ? items[i]
                    : call.Status is >= 200 and < 300
                        ? new NodeCall(pending.Item.Kind, null, CallError.Other, "the node's batch answer did not match its items", waited)
                        : call with { Request = pending.Item.Kind };
                if (answer.Error is not CallError.ConnectionRefused and not CallError.CircuitOpen && !pending.Abandoned)
                {
                    latency.Record(node.Name, waited);
                }

                answer = answer with { DurationMs = waited };
                completions.Add(() => pending.Answer.TrySetResult(answer));
            }
        }
        catch (Exception e)
        {
            completions.Clear();
            completions.AddRange(batch.Select(p => (Action)(() => p.Answer.TrySetException(e))));
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

    private async Task SingleAsync(Pending pending)
    {
        try
        {
            var call = await pending.Single();
            pending.Answer.TrySetResult(call with { DurationMs = time.GetElapsedTime(pending.Queued).TotalMilliseconds });
        }
        catch (Exception e)
        {
            pending.Answer.TrySetException(e);
        }
    }

    private sealed class Pending(NodeBatchItem item, Func<Task<NodeCall>> single, long queued)
    {
        public NodeBatchItem Item { get; } = item;
        public Func<Task<NodeCall>> Single { get; } = single;
        public long Queued { get; } = queued;
        public TaskCompletionSource<NodeCall> Answer { get; } = new();
        public volatile bool Abandoned;
    }
}
