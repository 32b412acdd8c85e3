using System.Collections.Concurrent;
using System.Text.Json;

namespace ClusterGroups.Api.FanOut;

// Where operations are recorded: before any node is touched (Begin), as they progress (Save), until closed.
public interface IOperationJournal
{
    Task BeginAsync(OperationReport report, CancellationToken ct);
    Task SaveAsync(OperationReport report, CancellationToken ct);
    Task<OperationReport?> GetAsync(string operationId, CancellationToken ct);
    Task<IReadOnlyList<OperationReport>> ListAsync(bool openOnly, int max, CancellationToken ct);
    Task<OperationReport?> LastForGroupAsync(string groupId, CancellationToken ct);
}

// The journal of an Api run without a coordinator store: in this process's memory only, so it survives
// nothing; it keeps the shape (and the pending repairs) until the process ends. Entries are JSON snapshots,
// so a reader never sees a report while an operation changes it.
public sealed class InMemoryOperationJournal : IOperationJournal
{
    private const int MaxClosed = 10_000;
    private readonly ConcurrentDictionary<string, string> _entries = new();
    private readonly ConcurrentDictionary<string, string> _lastByGroup = new();
    private readonly ConcurrentQueue<string> _closedOrder = new();
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task BeginAsync(OperationReport report, CancellationToken ct) => SaveAsync(report, ct);

    public Task SaveAsync(OperationReport report, CancellationToken ct)
    {
        string snapshot;
        lock (report)
        {
            snapshot = JsonSerializer.Serialize(report, Json);
        }

        _entries[report.OperationId] = snapshot;
        _lastByGroup[report.GroupId] = report.OperationId;
        if (!report.IsOpen)
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
        Task.FromResult(_entries.TryGetValue(operationId, out var json) ? Read(json) : null);

    public Task<IReadOnlyList<OperationReport>> ListAsync(bool openOnly, int max, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<OperationReport>>(
        [
            .. _entries.Values.Select(Read).OfType<OperationReport>()
                .Where(r => !openOnly || r.IsOpen)
                .OrderByDescending(r => r.StartedAt)
                .Take(max),
        ]);

    public async Task<OperationReport?> LastForGroupAsync(string groupId, CancellationToken ct) =>
        _lastByGroup.TryGetValue(groupId, out var id) ? await GetAsync(id, ct) : null;

    private static OperationReport? Read(string json) => JsonSerializer.Deserialize<OperationReport>(json, Json);
}
