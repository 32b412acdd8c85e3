namespace ClusterGroups.Api.Coordinator;

// Cluster:Coordinator: the leases and the journal's retention, whatever store keeps them.
public sealed class CoordinatorOptions
{
    // How long a lease on a groupId lives without renewal: an Api that dies frees its groups after this.
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    // How long a closed operation stays in the journal (a week); the group's desired state stays on.
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan ClosedRetention { get; set; } = TimeSpan.FromDays(7);

    // How long a caller's Idempotency-Key is kept after its operation closed (a day; while the operation is open it is
    // kept whatever this says): a request sent again with the key within it gets the first one's operation. At most
    // ClosedRetention, so the operation a key names is still in the journal.
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan IdempotencyKeyWindow { get; set; } = TimeSpan.FromHours(24);
}
