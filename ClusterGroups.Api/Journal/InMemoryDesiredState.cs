using System.Collections.Concurrent;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.FanOut;

namespace ClusterGroups.Api.Journal;

// The desired state of an Api run without a coordinator store: in this process's memory, like its journal.
public sealed class InMemoryDesiredState : IDesiredState
{
    private readonly ConcurrentDictionary<string, DesiredGroup> _groups = new(StringComparer.Ordinal);

    public Task RecordAsync(OperationState op, CancellationToken ct)
    {
        if (DesiredStates.Of(op) is { } desired)
        {
            _groups[op.GroupId] = desired;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<string, DesiredGroup>> GetAsync(IReadOnlyCollection<string> groupIds, CancellationToken ct) =>
        Task.FromResult<IReadOnlyDictionary<string, DesiredGroup>>(groupIds
            .Where(_groups.ContainsKey).Distinct(StringComparer.Ordinal)
            .ToDictionary(id => id, id => _groups[id], StringComparer.Ordinal));
}
