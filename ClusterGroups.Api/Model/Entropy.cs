namespace ClusterGroups.Api.Model;

// Everything the Api draws at random besides time (which comes from TimeProvider): operation ids, lease owners and
// retry jitter. The default draws from Guid and Random.Shared; the simulator gives one seeded source, so that a run
// replays exactly from its seed.
public class Entropy
{
    private static readonly string Process = $"{Environment.MachineName}:{Environment.ProcessId}";

    // This replica among those sharing the coordinator: its lease owners and its version announcement name it.
    public virtual string Instance => Process;

    // "op-" + a version 7 Guid: ordered by time, unique without coordination.
    public virtual string NewOperationId(DateTimeOffset now) => $"op-{Guid.CreateVersion7(now):N}";

    // Who holds a lease: this process and a fresh random part per lease (for the journal and for debugging).
    public virtual string NewLeaseOwner() => $"{Instance}:{Guid.NewGuid():N}";

    // In [0, 1): the jitter of retry backoffs.
    public virtual double NextDouble() => Random.Shared.NextDouble();
}
