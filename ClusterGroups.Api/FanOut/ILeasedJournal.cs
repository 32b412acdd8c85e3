namespace ClusterGroups.Api.FanOut;

// The protocol's first and last coordinator steps, each one round trip where the coordinator can do it atomically
// (RedisLeasedJournal: one script each), else step by step (SteppedLeasedJournal):
//   Start  takes the group's lease (waiting up to `wait`), reads which operation ran last on the group and, when that
//          one is closed and `begin` is set, begins `op` under the lease: op.Owner, op.Fence, op.Lease and op.StartedAt
//          are set from the lease before the entry is written. Null when the lease stayed taken. Without `begin` it
//          only takes the lease and reports: a reconciler repair checks its precondition before it begins.
//   Close  the operation's closing save, its desired state and the lease's release.
// An operation that commits at once thus costs the coordinator two round trips.
public interface ILeasedJournal
{
    Task<OperationStart?> StartAsync(OperationState op, bool begin, TimeSpan wait, CancellationToken ct);

    Task CloseAsync(OperationState op, CancellationToken ct);
}

// What Start found. Begun: the operation is in the journal. Otherwise the group's last operation is still open
// (LastOpen: it must be finished first) or it was not asked to begin; the caller holds the lease and decides.
// LastId is the group's last-operation pointer, which outlives the entry it names (ClosedRetention).
public sealed record OperationStart(IGroupLease Lease, string? LastId, bool LastOpen, bool Begun);
