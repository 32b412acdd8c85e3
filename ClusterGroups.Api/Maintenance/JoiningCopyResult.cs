namespace ClusterGroups.Api.Maintenance;

// One bulk copy to the joining nodes. Copied: writes that changed a joining node; AlreadySo: found so; Fenced: refused
// because an operation had written the group there (the reconciler's then); Failed: no answer or an unexpected one;
// Left: groups (or whole buckets) not copied because the active nodes differ or an operation was around them;
// SlicesLeft: slices of buckets skipped because too much closed during their reads; Stopped: why it stopped early.
public sealed record JoiningCopyResult(
    int Copied, int AlreadySo, int Fenced, int Failed, int Left, int SlicesLeft, string? Stopped)
{
    public static readonly JoiningCopyResult Nothing = new(0, 0, 0, 0, 0, 0, null);
}
