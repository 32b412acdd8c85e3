using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Coordinator;

// One run of the protocol over one operation: the operation, the lease it runs under, and its journal writes.
// Journal writes of one run happen one at a time, each of a fresh snapshot, so a later state is never overwritten by
// an earlier one (node steps save from parallel tasks). A run owns its lease unless it runs under another run's
// (Resume: the group's open last operation, finished under the lease of the operation that found it).
public sealed class OperationRun : IAsyncDisposable
{
    private readonly ICoordinator _coordinator;
    private readonly SemaphoreSlim _saves = new(1, 1);
    private readonly bool _ownsLease;

    public OperationRun(OperationState operation, GroupLease lease, ICoordinator coordinator, bool ownsLease = true)
    {
        (Operation, Lease, _coordinator, _ownsLease) = (operation, lease, coordinator, ownsLease);
    }

    public OperationState Operation { get; }
    public GroupLease Lease { get; }
    public bool OwnsLease => _ownsLease;

    // A node refused this run's token while the run still held the lease, saying the highest token it has seen for
    // the group (FanOutProtocol.RetakeAboveAsync takes the operation over above it).
    public long? RefusedBelow { get; set; }

    // The group's open last operation, taken over with this run's lease and finished before this one begins.
    public OperationRun Resume(OperationState last)
    {
        last.TakeOver(Lease.Owner, Lease.Token);
        return new OperationRun(last, Lease, _coordinator, ownsLease: false);
    }

    // Null: begun; else the operation's key names an earlier request (recorded meanwhile), and nothing was written.
    public async Task<KeyedRequest?> BeginAsync(CancellationToken ct)
    {
        KeyedRequest? keyed = null;
        await Gated(async () => keyed = await _coordinator.BeginAsync(Operation, ct), ct);
        return keyed;
    }

    public Task SaveAsync(CancellationToken ct) => Gated(() => _coordinator.SaveAsync(Operation, ct), ct);

    // The closing save; the lease this run owns is freed in the same step.
    public Task CloseAsync(CancellationToken ct) => Gated(async () =>
    {
        await _coordinator.CloseAsync(Operation, _ownsLease ? Lease.Owner : null, ct);
        if (_ownsLease)
        {
            Lease.MarkReleased();
        }
    }, ct);

    // Closed or not, what the run knows goes to the journal: the closing step when it is closed.
    public Task RecordAsync(CancellationToken ct) => Operation.IsOpen ? SaveAsync(ct) : CloseAsync(ct);

    private async Task Gated(Func<Task> write, CancellationToken ct)
    {
        await _saves.WaitAsync(ct);
        try
        {
            await write();
        }
        finally
        {
            _saves.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsLease)
        {
            await Lease.DisposeAsync();
        }
    }
}
