namespace ClusterGroups.Node.Groups;

// How many write requests this node served since it started, and how many writes they carried (a single route: one;
// a batch: its items). GET /admin/writes; the benchmark reads it around each phase for requests per operation and
// writes per request (how well the Api's batching groups them).
public sealed class WriteCounts
{
    private long _requests;
    private long _writes;

    public void Single()
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _writes);
    }

    public void Batch(int items)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _writes, items);
    }

    public WriteCountsView View() => new(Interlocked.Read(ref _requests), Interlocked.Read(ref _writes));
}

public sealed record WriteCountsView(long Requests, long Writes);
