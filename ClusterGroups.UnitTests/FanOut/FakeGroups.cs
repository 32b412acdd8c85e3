namespace ClusterGroups.UnitTests.FanOut;

public enum FakeWrite { Applied, Replayed, AlreadySo, Fenced, Aborted }

// A node's store as ClusterGroups.Node keeps it (GroupStore): groupId -> the Idempotency-Key that created it; per key
// the outcome of the write that used it (durable: a second copy is answered as the first, whatever happened to the
// group since); per group the key that last deleted it and the highest fencing token seen.
internal sealed class FakeGroups
{
    private readonly Dictionary<string, string> _creators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Write, FakeWrite Result)> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _deletedBy = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _fences = new(StringComparer.Ordinal);

    public (FakeWrite Result, FakeWrite? First) Create(string groupId, string? key, long? token = null) =>
        Write("create", groupId, key, token, () => _creators.TryAdd(groupId, key ?? string.Empty));

    public (FakeWrite Result, FakeWrite? First) Delete(string groupId, string? key, long? token = null) =>
        Write("delete", groupId, key, token, () =>
        {
            if (!_creators.Remove(groupId))
            {
                return false;
            }

            if (key is not null)
            {
                _deletedBy[groupId] = key;
            }

            return true;
        });

    // What the write with this key did here (Applied, AlreadySo), or Aborted: it never applies from now on.
    public FakeWrite Abort(string groupId, string key, long? token)
    {
        lock (_creators)
        {
            if (!Fence(groupId, token))
            {
                return FakeWrite.Fenced;
            }

            if (_records.TryGetValue(key, out var record))
            {
                return record.Result;
            }

            _records[key] = ("abort", FakeWrite.Aborted);
            return FakeWrite.Aborted;
        }
    }

    private (FakeWrite Result, FakeWrite? First) Write(string write, string groupId, string? key, long? token, Func<bool> apply)
    {
        lock (_creators)
        {
            if (key is not null && _records.TryGetValue(key, out var record))
            {
                return record.Write == write && record.Result is FakeWrite.Applied or FakeWrite.AlreadySo
                    ? (FakeWrite.Replayed, record.Result)
                    : (FakeWrite.Aborted, null);
            }

            if (!Fence(groupId, token))
            {
                return (FakeWrite.Fenced, null);
            }

            var result = apply() ? FakeWrite.Applied : FakeWrite.AlreadySo;
            if (key is not null)
            {
                _records[key] = (write, result);
            }

            return (result, null);
        }
    }

    private bool Fence(string groupId, long? token)
    {
        if (token is not { } t)
        {
            return true;
        }

        var seen = _fences.GetValueOrDefault(groupId);
        if (t < seen)
        {
            return false;
        }

        _fences[groupId] = t;
        return true;
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
