using System.ComponentModel.DataAnnotations;

namespace ClusterGroups.Api.Operations;

// Operations:* — when an open operation is worth an alert.
public sealed class OperationAlertOptions
{
    public const string Section = "Operations";

    // A pending repair older than this makes /health Degraded (recovery retries it with backoff meanwhile; a node
    // that stays down keeps it open for good).
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan PendingRepairAlertAfter { get; set; } = TimeSpan.FromMinutes(5);

    // How often the open-operations gauges are refreshed from the journal.
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(10);
}
