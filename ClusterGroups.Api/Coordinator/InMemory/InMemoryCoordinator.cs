using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Model;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Coordinator.InMemory;

// The coordinator of an Api run without a coordinator store: in this process's memory only, so it survives nothing
// and serves one replica. It keeps every rule of the port (leases that expire on the clock, tokens that only grow,
// the owner-checked journal, one open operation per group, the desired state), so the protocol runs unchanged; the
// conformance tests hold it to the Redis coordinator. Entries are kept as the JSON a store would keep, so readers
// always get copies; the newest 10 000 closed ones are kept. One lock: every method is one atomic step. Idempotency
// keys are kept while their operation is open (no expiry), then for the key window after its close.
public sealed class InMemoryCoordinator(TimeProvider time, IOptions<CoordinatorOptions> options) : ICoordinator, ICoordinatorBatch
{
    // A batch is its writes one by one: the Api never sends this coordinator one (only RedisCoordinator batches).
    public Task<IReadOnlyList<CoordinatorAnswer>> CommitAsync(IReadOnlyList<CoordinatorWrite> writes, CancellationToken ct) =>
        ICoordinatorBatch.OneByOneAsync(this, writes, ct);

    private const int MaxClosed = 10_000;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastByGroup = new(StringComparer.Ordinal);
    private readonly HashSet<string> _open = new(StringComparer.Ordinal);
    private readonly Queue<string> _closedOrder = new();
    private readonly Dictionary<string, long> _fences = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Owner, DateTimeOffset Until)> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DesiredGroup> _desired = new(StringComparer.Ordinal);
    private readonly Dictionary<RequestKey, (KeyedRequest Request, DateTimeOffset? Until)> _keys = [];
    private string? _membership;
    private long _epoch;
    private readonly Dictionary<string, (ReplicaAnnouncement Replica, DateTimeOffset Until)> _replicas = new(StringComparer.Ordinal);

    // Keys whose window runs, in the order they expire (one window for all, so the order of closes).
    private readonly Queue<(RequestKey Key, DateTimeOffset Until)> _expiring = new();

    public Task<LeaseAnswer> AcquireAsync(LeaseRequest request, OperationState? begin, CancellationToken ct)
    {
        lock (_lock)
        {
            CheckEpoch(begin);
            if (Recorded(begin) is { } keyed)
            {
                return Task.FromResult<LeaseAnswer>(new LeaseAnswer.Keyed(keyed));
            }

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

    public Task<KeyedRequest?> RefuseKeyAsync(RequestKey key, KeyedRequest refusal, CancellationToken ct)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_keys.TryGetValue(key, out var found) && !(found.Until <= now))
            {
                return Task.FromResult<KeyedRequest?>(found.Request);
            }

            var until = now + options.Value.IdempotencyKeyWindow;
            _keys[key] = (refusal, until);
            _expiring.Enqueue((key, until));
            return Task.FromResult<KeyedRequest?>(null);
        }
    }

    public Task<KeyedRequest?> BeginAsync(OperationState op, CancellationToken ct)
    {
        lock (_lock)
        {
            CheckOwner(op);
            CheckEpoch(op);
            if (Recorded(op) is { } keyed)
            {
                return Task.FromResult<KeyedRequest?>(keyed);
            }

            Write(op, begins: true);
        }

        return Task.FromResult<KeyedRequest?>(null);
    }

    public Task SaveAsync(OperationState op, CancellationToken ct)
    {
        lock (_lock)
        {
            CheckOwner(op);
            Write(op, begins: false);
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
                [.. _open.Select(id => JournalFormat.ReadOrSkipNewer(_entries[id])).OfType<OperationState>().OrderBy(r => r.StartedAt)]);
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
            return Task.FromResult(OperationPage.Of(_entries.Values.Select(json => JournalFormat.ReadOrSkipNewer(json)).OfType<OperationState>(), query));
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

    // In ordinal order of groupId; the cursor is the last groupId of the page before.
    public Task<DesiredPage> ListDesiredAsync(string? cursor, int limit, CancellationToken ct)
    {
        lock (_lock)
        {
            var page = _desired.Where(d => cursor is null || string.CompareOrdinal(d.Key, cursor) > 0)
                .OrderBy(d => d.Key, StringComparer.Ordinal).Take(limit + 1).ToList();
            return Task.FromResult(page.Count > limit
                ? new DesiredPage(page[..limit], page[limit - 1].Key)
                : new DesiredPage(page, null));
        }
    }

    public Task<Membership?> GetMembershipAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(MembershipFormat.Read(_membership));
        }
    }

    public Task<bool> ChangeMembershipAsync(Membership next, int needs, CancellationToken ct)
    {
        lock (_lock)
        {
            if (next.Epoch != _epoch + 1)
            {
                return Task.FromResult(false);
            }

            var now = time.GetUtcNow();
            var older = _replicas.Values.Where(r => r.Until > now && r.Replica.Protocol < needs).Select(r => r.Replica).ToList();
            if (older.Count > 0)
            {
                throw new OlderReplicasLiveException(older);
            }

            (_membership, _epoch) = (MembershipFormat.Write(next), next.Epoch);
            return Task.FromResult(true);
        }
    }

    public Task AnnounceAsync(ReplicaAnnouncement replica, TimeSpan ttl, CancellationToken ct)
    {
        lock (_lock)
        {
            _replicas[replica.Replica] = (replica, time.GetUtcNow() + ttl);
            return Task.CompletedTask;
        }
    }

    public Task WithdrawAsync(string replica, CancellationToken ct)
    {
        lock (_lock)
        {
            _replicas.Remove(replica);
            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<ReplicaAnnouncement>> ListReplicasAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var expired in _replicas.Where(r => r.Value.Until <= now).Select(r => r.Key).ToList())
            {
                _replicas.Remove(expired);
            }

            return Task.FromResult<IReadOnlyList<ReplicaAnnouncement>>([.. _replicas.Values.Select(r => r.Replica)]);
        }
    }

    private void CheckEpoch(OperationState? op)
    {
        if (op is not null && op.Epoch != _epoch)
        {
            throw new MembershipChangedException(op.Epoch, _epoch);
        }
    }

    // What the operation's key names, if an earlier request recorded it and its window has not run out.
    private KeyedRequest? Recorded(OperationState? op)
    {
        var now = time.GetUtcNow();
        while (_expiring.TryPeek(out var next) && next.Until <= now)
        {
            _expiring.Dequeue();
            if (_keys.TryGetValue(next.Key, out var kept) && kept.Until <= now)
            {
                _keys.Remove(next.Key);
            }
        }

        return op?.Key is { } key && _keys.TryGetValue(key, out var found) && !(found.Until <= now) ? found.Request : null;
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
            if (op.Key is { } key)
            {
                _keys[key] = (new KeyedRequest(op.Id, op.Kind, op.GroupId), null);
            }
        }

        if (!op.IsOpen && op.Key is { } closing && _keys.TryGetValue(closing, out var kept) && kept.Request.OperationId == op.Id)
        {
            // The close starts the key's window.
            var until = time.GetUtcNow() + options.Value.IdempotencyKeyWindow;
            _keys[closing] = (kept.Request, until);
            _expiring.Enqueue((closing, until));
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
