namespace ClusterGroups.UnitTests.FanOut;

public enum FakeWrite { Applied, Replayed, AlreadySo }

// A node's store as ClusterGroups.Node keeps it (GroupStore): groupId -> the Idempotency-Key that created it, and
// per delete key the groupId it deleted, so the same request sent again is answered as it was the first time.
internal sealed class FakeGroups
{
    private readonly Dictionary<string, string> _creators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _deleted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _deletedBy = new(StringComparer.Ordinal);

    public FakeWrite Create(string groupId, string? key)
    {
        lock (_creators)
        {
            if (_creators.TryAdd(groupId, key ?? string.Empty))
            {
                return FakeWrite.Applied;
            }

            return key is not null && _creators[groupId] == key ? FakeWrite.Replayed : FakeWrite.AlreadySo;
        }
    }

    public FakeWrite Delete(string groupId, string? key)
    {
        lock (_creators)
        {
            if (_creators.Remove(groupId))
            {
                if (key is not null)
                {
                    _deleted[key] = groupId;
                    _deletedBy[groupId] = key;
                }

                return FakeWrite.Applied;
            }

            return key is not null && _deleted.GetValueOrDefault(key) == groupId ? FakeWrite.Replayed : FakeWrite.AlreadySo;
        }
    }

    // As GET /v1/group/{id}/ tells it: present and the key that created it, or absent and the key that deleted it.
    public (bool Present, string? WrittenBy) Read(string groupId)
    {
        lock (_creators)
        {
            return _creators.TryGetValue(groupId, out var creator)
                ? (true, creator.Length == 0 ? null : creator)
                : (false, _deletedBy.GetValueOrDefault(groupId));
        }
    }

    public bool Contains(string groupId)
    {
        lock (_creators)
        {
            return _creators.ContainsKey(groupId);
        }
    }

    public IReadOnlySet<string> Snapshot()
    {
        lock (_creators)
        {
            return _creators.Keys.ToHashSet(StringComparer.Ordinal);
        }
    }

    public int Clear()
    {
        lock (_creators)
        {
            var count = _creators.Count;
            _creators.Clear();
            return count;
        }
    }
}
