using System.Collections.Concurrent;

namespace ClusterGroups.Api.FanOut;

// The right to run an operation on one groupId. Owner names the holder (for the journal and for debugging).
public interface IGroupLease : IAsyncDisposable
{
    string Owner { get; }
}

public interface IGroupLocks
{
    /// <summary>Waits up to <paramref name="wait"/> for the groupId; null if it stayed taken.</summary>
    Task<IGroupLease?> AcquireAsync(string groupId, TimeSpan wait, CancellationToken ct);
}

// One Api process without a coordinator store: a semaphore per groupId, removed when nobody holds or waits for it.
public sealed class InProcessGroupLocks : IGroupLocks
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}";

    public async Task<IGroupLease?> AcquireAsync(string groupId, TimeSpan wait, CancellationToken ct)
    {
        var entry = Reference(groupId);
        if (await entry.Semaphore.WaitAsync(wait, ct))
        {
            return new Lease(this, groupId, entry, _owner);
        }

        Release(groupId, entry, held: false);
        return null;
    }

    private Entry Reference(string groupId)
    {
        while (true)
        {
            var entry = _entries.GetOrAdd(groupId, static _ => new Entry());
            lock (entry)
            {
                // A removed entry may still be found by a racing caller; it then takes a fresh one.
                if (!entry.Removed)
                {
                    entry.References++;
                    return entry;
                }
            }
        }
    }

    private void Release(string groupId, Entry entry, bool held)
    {
        if (held)
        {
            entry.Semaphore.Release();
        }

        lock (entry)
        {
            if (--entry.References == 0)
            {
                entry.Removed = true;
                _entries.TryRemove(new KeyValuePair<string, Entry>(groupId, entry));
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);
        public int References { get; set; }
        public bool Removed { get; set; }
    }

    private sealed class Lease(InProcessGroupLocks locks, string groupId, Entry entry, string owner) : IGroupLease
    {
        public string Owner => owner;

        public ValueTask DisposeAsync()
        {
            locks.Release(groupId, entry, held: true);
            return ValueTask.CompletedTask;
        }
    }
}
