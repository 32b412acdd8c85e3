using System.Collections.Concurrent;
using ClusterGroups.Api.FanOut;

namespace ClusterGroups.Api.Journal;

// The journal of an Api run without a coordinator store: in this process's memory only, so it survives nothing.
// It keeps the shape (and the pending repairs) until the process ends. Entries are kept as the same JSON the
// coordinator stores, so readers always get copies.
public sealed class InMemoryOperationJournal : IOperationJournal
{
    private const int MaxClosed = 10_000;
    private readonly ConcurrentDictionary<string, string> _entries = new();
    private readonly ConcurrentDictionary<string, string> _lastByGroup = new();
    private readonly ConcurrentDictionary<string, string> _open = new();
    private readonly ConcurrentQueue<string> _closedOrder = new();
    private readonly ConcurrentDictionary<string, long> _fences = new();

    public Task BeginAsync(OperationState op, CancellationToken ct) => SaveAsync(op, ct);

    public Task SaveAsync(OperationState op, CancellationToken ct)
    {
        lock (_fences)
        {
            // The highest token a write of the group carried stands for the current lease (tokens only grow).
            var current = _fences.GetValueOrDefault(op.GroupId);
            if (op.Fence < current)
            {
                throw new JournalFencedException(op.Id);
            }

            _fences[op.GroupId] = op.Fence;
            _entries[op.Id] = JournalFormat.Write(op);
        }

        _lastByGroup[op.GroupId] = op.Id;
        if (op.IsOpen)
        {
            _open[op.Id] = op.GroupId;
        }
        else if (_open.TryRemove(op.Id, out _))
        {
            _closedOrder.Enqueue(op.Id);
            while (_closedOrder.Count > MaxClosed && _closedOrder.TryDequeue(out var old))
            {
                _entries.TryRemove(old, out _);
            }
        }

        return Task.CompletedTask;
    }

    public Task<OperationState?> GetAsync(string operationId, CancellationToken ct) =>
        Task.FromResult(_entries.TryGetValue(operationId, out var json) ? JournalFormat.Read(json) : null);

    public Task<IReadOnlyList<OperationState>> ListAsync(bool openOnly, int max, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<OperationState>>(
        [
            .. (openOnly ? _open.Keys.Select(id => _entries.GetValueOrDefault(id)) : _entries.Values)
                .OfType<string>().Select(JournalFormat.Read).OfType<OperationState>()
                .OrderByDescending(r => r.StartedAt)
                .Take(max),
        ]);

    public Task<IReadOnlyList<OperationState>> ListOpenAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<OperationState>>(
        [
            .. _open.Keys
                .Select(id => _entries.GetValueOrDefault(id)).OfType<string>()
                .Select(JournalFormat.Read).OfType<OperationState>()
                .OrderBy(r => r.StartedAt),
        ]);

    // In memory a filter over the entries is the index (at most MaxClosed closed ones are kept).
    public Task<OperationPage> SearchAsync(OperationQuery query, CancellationToken ct)
    {
        var matches = _entries.Values.Select(JournalFormat.Read).OfType<OperationState>()
            .Where(query.Matches)
            .Where(op => query.After is null || query.After.IsAfter(op.StartedAt.ToUnixTimeMilliseconds(), op.Id))
            .OrderByDescending(op => op.StartedAt.ToUnixTimeMilliseconds()).ThenByDescending(op => op.Id, StringComparer.Ordinal)
            .Take(query.Limit + 1)
            .ToList();
        var page = matches.Take(query.Limit).ToList();
        return Task.FromResult(new OperationPage(page, matches.Count > query.Limit ? OperationCursor.Of(page[^1]) : null));
    }

    public async Task<OperationState?> LastForGroupAsync(string groupId, CancellationToken ct) =>
        _lastByGroup.TryGetValue(groupId, out var id) ? await GetAsync(id, ct) : null;
}
