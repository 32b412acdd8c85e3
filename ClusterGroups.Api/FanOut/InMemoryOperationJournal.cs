using System.Collections.Concurrent;

namespace ClusterGroups.Api.FanOut;

// The journal of an Api run without a coordinator store: in this process's memory only, so it survives nothing.
// It keeps the shape (and the pending repairs) until the process ends.
public sealed class InMemoryOperationJournal : IOperationJournal
{
    private const int MaxClosed = 10_000;
    private readonly ConcurrentDictionary<string, string> _entries = new();
    private readonly ConcurrentDictionary<string, string> _lastByGroup = new();
    private readonly ConcurrentDictionary<string, string> _open = new();
    private readonly ConcurrentQueue<string> _closedOrder = new();

    public Task BeginAsync(OperationReport report, CancellationToken ct) => SaveAsync(report, ct);

    public Task SaveAsync(OperationReport report, CancellationToken ct)
    {
        _entries[report.OperationId] = JournalFormat.Write(report);
        _lastByGroup[report.GroupId] = report.OperationId;
        if (report.IsOpen)
        {
            _open[report.OperationId] = report.GroupId;
        }
        else if (_open.TryRemove(report.OperationId, out _))
        {
            _closedOrder.Enqueue(report.OperationId);
            while (_closedOrder.Count > MaxClosed && _closedOrder.TryDequeue(out var old))
            {
                _entries.TryRemove(old, out _);
            }
        }

        return Task.CompletedTask;
    }

    public Task<OperationReport?> GetAsync(string operationId, CancellationToken ct) =>
        Task.FromResult(_entries.TryGetValue(operationId, out var json) ? JournalFormat.Read(json) : null);

    public Task<IReadOnlyList<OperationReport>> ListAsync(bool openOnly, int max, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<OperationReport>>(
        [
            .. (openOnly ? _open.Keys.Select(id => _entries.GetValueOrDefault(id)) : _entries.Values)
                .OfType<string>().Select(JournalFormat.Read).OfType<OperationReport>()
                .OrderByDescending(r => r.StartedAt)
                .Take(max),
        ]);

    public Task<IReadOnlyList<OperationReport>> ListOpenAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<OperationReport>>(
        [
            .. _open.Keys
                .Select(id => _entries.GetValueOrDefault(id)).OfType<string>()
                .Select(JournalFormat.Read).OfType<OperationReport>()
                .OrderBy(r => r.StartedAt),
        ]);

    public async Task<OperationReport?> LastForGroupAsync(string groupId, CancellationToken ct) =>
        _lastByGroup.TryGetValue(groupId, out var id) ? await GetAsync(id, ct) : null;
}
