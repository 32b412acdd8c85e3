namespace ClusterGroups.Api.FanOut;

// Cluster:Recovery: how often open operations are driven on.
public sealed class RecoveryOptions
{
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);
}
