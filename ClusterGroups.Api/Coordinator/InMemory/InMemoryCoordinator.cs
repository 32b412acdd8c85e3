using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Coordinator.InMemory;

// The coordinator of an Api run without a coordinator store: in this process's memory only, so it survives nothing
// and serves one replica. It keeps every rule of the port (leases that expire on the clock, tokens that only grow,
// the owner-checked journal, one open operation per group, the desired state), so the protocol runs unchanged; the
// conformance tests hold it to the Redis coordinator. Entries are kept as the JSON a store would keep, so readers
// always get copies; the newest 10 000 closed ones are kept. One lock: every method is one atomic step.
public sealed class InMemoryCoordinator(TimeProvider time) : ICoordinator
{
    private const int MaxClosed = 10_000;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastByGroup = new(StringComparer.Ordinal);
    private readonly HashSet<string> _open = new(StringComparer.Ordinal);
    private readonly Queue<string> _closedOrder = new();
    private readonly Dictionary<string, long> _fences = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Owner, DateTimeOffset Until)> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DesiredGroup> _desired = new(StringComparer.Ordinal);

    public Task<LeaseAnswer> AcquireAsync(LeaseRequest request, OperationState? begin, CancellationToken ct)
    {
        lock (_lock)
        {
            var current = _fences.GetValueOrDefault(request.GroupId);
            if (request.Token <= current)
            {
                return Task.FromResult<LeaseAnswer>(new LeaseAnswer.Stale(current));
            }

            if (HolderOf(request.GroupId) is not null)
            {
                return Task.FromResult<LeaseAnswer>(new LeaseAnswer.Busy());
            }

            _leases[request.GroupId] = (request.Owner, time.GetUtcNow() + request.Duration);
            _fences[request.GroupId] = request.Token;
            var last = _lastByGroup.GetValueOrDefault(request.GroupId);
            var lastOpen = last is not null && _open.Contains(last);
            if (begin is null || lastOpen)
            {
                return Task.FromResult<LeaseAnswer>(new LeaseAnswer.Taken(last, lastOpen, Begun: false));
            }

            Write(begin, begins: true);
            return Task.FromResult<LeaseAnswer>(new LeaseAnswer.Taken(last, LastOpen: false, Begun: true));
        }
    }

    public Task<bool> RenewAsync(string groupId, string owner, TimeSpan duration, CancellationToken ct)
    {
        lock (_lock)
        {
            if (HolderOf(groupId) != owner)
            {
                return Task.FromResult(false);
            }

            _leases[groupId] = (owner, time.GetUtcNow() + duration);
            return Task.FromResult(true);
        }
    }

    public Task ReleaseAsync(string groupId, string owner, CancellationToken ct)
    {
        lock (_lock)
        {
            Release(groupId, owner);
        }

        return Task.CompletedTask;
    }

    public Task BeginAsync(OperationState op, CancellationToken ct) => SaveAsync(op, begins: true);

    public Task SaveAsync(OperationState op, CancellationToken ct) => SaveAsync(op, begins: false);

    private Task SaveAsync(OperationState op, bool begins)
    {
        lock (_lock)
        {
            CheckOwner(op);
            Write(op, begins);
        }

        return Task.CompletedTask;
    }

    public Task CloseAsync(OperationState op, string? releaseOwner, CancellationToken ct)
    {
        lock (_lock)
        {
            CheckOwner(op);
            Write(op, begins: false);
            if (DesiredGroup.Of(op) is { } desired)
            {
                _desired[op.GroupId] = desired;
            }

            if (releaseOwner is not null)
            {
                Release(op.GroupId, releaseOwner);
            }
        }

        return Task.CompletedTask;
    }

    public Task<OperationState?> GetAsync(string operationId, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_entries.TryGetValue(operationId, out var json) ? JournalFormat.Read(json) : null);
        }
    }

    public Task<IReadOnlyList<OperationState>> ListOpenAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<OperationState>>(
                [.. _open.Select(id => JournalFormat.Read(_entries[id])).OfType<OperationState>().OrderBy(r => r.StartedAt)]);
        }
    }

    public Task<OperationState?> LastForGroupAsync(string groupId, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_lastByGroup.TryGetValue(groupId, out var id) && _entries.TryGetValue(id, out var json)
                ? JournalFormat.Read(json)
                : null);
        }
    }

    // In memory a filter over the entries is the index (at most MaxClosed closed ones are kept).
    public Task<OperationPage> SearchAsync(OperationQuery query, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(OperationPage.Of(_entries.Values.Select(JournalFormat.Read).OfType<OperationState>(), query));
        }
    }

    public Task<IReadOnlyDictionary<string, DesiredGroup>> GetDesiredAsync(IReadOnlyCollection<string> groupIds, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyDictionary<string, DesiredGroup>>(groupIds
                .Where(_desired.ContainsKey).Distinct(StringComparer.Ordinal)
                .ToDictionary(id => id, id => _desired[id], StringComparer.Ordinal));
        }
    }

    // The lease's owner, if one holds it and it has not expired.
    private string? HolderOf(string groupId) =>
        _leases.TryGetValue(groupId, out var lease) && lease.Until > time.GetUtcNow() ? lease.Owner : null;

    private void Release(string groupId, string owner)
    {
        if (HolderOf(groupId) == owner)
        {
            _leases.Remove(groupId);
        }
    }

    private void CheckOwner(OperationState op)
    {
        if (op.Fence < _fences.GetValueOrDefault(op.GroupId))
        {
            throw new CoordinatorFencedException(op.Id);
        }
    }

    // Beginning makes the operation the group's last and open; a save keeps the entry, and a closed one leaves the
    // open set.
    private void Write(OperationState op, bool begins)
    {
        _entries[op.Id] = JournalFormat.Write(op);
        if (begins)
        {
            _lastByGroup[op.GroupId] = op.Id;
            _open.Add(op.Id);
        }

        if (!op.IsOpen && _open.Remove(op.Id))
        {
            _closedOrder.Enqueue(op.Id);
            while (_closedOrder.Count > MaxClosed && _closedOrder.TryDequeue(out var old))
            {
                _entries.Remove(old);
            }
        }
    }
}
