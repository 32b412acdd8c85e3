using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Cluster;

// Cluster:* in the Api (docs/ARCHITECTURE.md, "Resources and settings"). Nodes is a list: Cluster:Nodes:0=node1
// (service discovery) or an absolute URL.
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    [MinLength(1, ErrorMessage = "Cluster:Nodes lists no node; set Cluster:Nodes:0, Cluster:Nodes:1, ...")]
    public List<string> Nodes { get; set; } = [];

    // How many node calls one operation runs at once.
    [Range(1, 256)]
    public int MaxParallelism { get; set; } = 16;

    [Required, ValidateObjectMembers]
    public ResilienceSettings Resilience { get; set; } = new();
}

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

    // How long an operation waits for another one on the same groupId.
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
