namespace ClusterGroups.Bench.Scenarios;

// Fresh group ids, unique across runs (a random run prefix), so no operation meets a group left by another.
public static class GroupIds
{
    private static readonly string Run = $"bench-{Random.Shared.Next():x8}";
    private static long _counter;

    public static string Next() => $"{Run}-{Interlocked.Increment(ref _counter)}";
}
