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
}
