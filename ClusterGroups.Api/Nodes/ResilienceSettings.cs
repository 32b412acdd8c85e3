using System.ComponentModel.DataAnnotations;

namespace ClusterGroups.Api.Nodes;

// Cluster:Resilience:* — how the Api treats one node.
public sealed class ResilienceSettings
{
    // The longest one HTTP call to a node may go unanswered; past it the call's outcome is unknown and gets
    // resolved, never guessed. The timeout actually used adapts to the node (NodeLatency): AttemptTimeoutFactor
    // times its recent p90, at least MinAttemptTimeout. MinAttemptTimeout = AttemptTimeout makes it fixed.
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan MinAttemptTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    [Range(1.0, 100.0)]
    public double AttemptTimeoutFactor { get; set; } = 5;

    // Tries of one step (write, undo) on one node before it is declared unreachable.
    [Range(2, 20)]
    public int MaxAttempts { get; set; } = 4;

    // First backoff; it doubles per try, with jitter.
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    // Longest Retry-After from a node that is honoured.
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    // Circuit breaker per node (selected by authority, so a dead node never trips the others).
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    // Reads of lists and digests (consistency, reconcile, listing) have their own timeout, not the write path's
    // adaptive one: a digest is ~25 KB whatever the size, a bucket a few hundred ids, but a seed node without digests
    // answers its whole list at once, and that call gets ListTimeout plus ListTimeoutPer100k per 100 000 groups it
    // held last time (size-aware), at most 20 x ListTimeout.
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ListTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ListTimeoutPer100k { get; set; } = TimeSpan.FromSeconds(5);

    // How long an operation waits for another one on the same groupId.
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
