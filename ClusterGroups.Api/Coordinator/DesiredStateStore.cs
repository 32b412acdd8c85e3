using ClusterGroups.Api.FanOut;
using StackExchange.Redis;

namespace ClusterGroups.Api.Coordinator;

// The desired state in the coordinator store: one hash, cg:desired, field = groupId, value = "+{operationId}"
// (present) or "-{operationId}" (absent); no expiry. Read in batches (HMGET) for the groups a consistency check
// found divergent.
public sealed class DesiredStateStore(IConnectionMultiplexer redis) : IDesiredState
{
    public const string Key = "cg:desired";
    private const int Batch = 1_000;

    public async Task RecordAsync(OperationState op, CancellationToken ct)
    {
        if (DesiredStates.Of(op) is { } desired)
        {
            await redis.GetDatabase().HashSetAsync(Key, op.GroupId, DesiredStates.Write(desired));
        }
    }

    public async Task<IReadOnlyDictionary<string, DesiredGroup>> GetAsync(IReadOnlyCollection<string> groupIds, CancellationToken ct)
    {
        var found = new Dictionary<string, DesiredGroup>(StringComparer.Ordinal);
        foreach (var batch in groupIds.Chunk(Batch))
        {
            var values = await redis.GetDatabase().HashGetAsync(Key, [.. batch.Select(id => (RedisValue)id)]);
            for (var i = 0; i < batch.Length; i++)
            {
                if (DesiredStates.Read(values[i]) is { } desired)
                {
                    found[batch[i]] = desired;
                }
            }
        }

        return found;
    }
}
