namespace ClusterGroups.Api.Maintenance;

// Cluster:Backfill:* — how a joining node is filled.
public sealed class BackfillOptions
{
    public const string Section = "Cluster:Backfill";

    // Copy the groups on which the active nodes agree to the joining nodes in fenced batches (JoiningCopy) before the
    // reconciler's repairs. Off: every missing group is one journaled repair (the behaviour before; for A/B runs of
    // the backfill bench, and a way back should the bulk copy ever be in doubt).
    public bool Bulk { get; set; } = true;
}
