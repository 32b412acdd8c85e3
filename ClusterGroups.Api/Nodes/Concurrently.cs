namespace ClusterGroups.Api.Nodes;

// Runs a step for each item, at most `max` at a time, all on the caller's context: no thread pool scheduler between
// them (Parallel.ForEachAsync hands its work to the thread pool, which a deterministic simulation cannot order).
// Up to `max` items (the usual: a cluster's nodes) every step starts at once, without a gate.
public static class Concurrently
{
    public static Task ForEachAsync<T>(IReadOnlyCollection<T> items, int max, Func<T, Task> step)
    {
        if (items.Count <= max)
        {
            return Task.WhenAll(items.Select(step));
        }

        var gate = new SemaphoreSlim(max, max);
        return Task.WhenAll(items.Select(async item =>
        {
            await gate.WaitAsync();
            try
            {
                await step(item);
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
