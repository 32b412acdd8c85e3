using System.Collections.Concurrent;

namespace ClusterGroups.Api.FanOut;

// The right to run an operation on one groupId. Owner names the holder (for the journal and for debugging).
// Token is the lease's fencing token: it only grows from one lease on the group to the next, every write of the
// operation carries it, and nodes and the journal refuse a write with a lower one than they have seen.
// IsHeldAsync: whether the lease can still be trusted; asked before every write. False once a renewal found it gone,
// or when it may have expired (a paused process, a starved timer) and the store no longer has it for this owner;
// the operation then stops writing.
public interface IGroupLease : IAsyncDisposable
{
    string Owner { get; }
    long Token { get; }
    ValueTask<bool> IsHeldAsync();
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
    private long _lastToken;

    public async Task<IGroupLease?> AcquireAsync(string groupId, TimeSpan wait, CancellationToken ct)
    {
        var entry = Reference(groupId);
        if (await entry.Semaphore.WaitAsync(wait, ct))
        {
            return new Lease(this, groupId, entry, _owner, NextToken());
        }

        Release(groupId, entry, held: false);
        return null;
    }

    // Tokens from the clock (microseconds since 1970), and always above the last one: they keep growing across a
    // restart of this process too, so nodes that saw an earlier run's tokens still accept this run's writes.
    private long NextToken()
    {
        while (true)
        {
            var last = Interlocked.Read(ref _lastToken);
            var next = Math.Max(last + 1, FencingClock.Now());
            if (Interlocked.CompareExchange(ref _lastToken, next, last) == last)
            {
                return next;
            }
        }
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

    private sealed class Lease(InProcessGroupLocks locks, string groupId, Entry entry, string owner, long token) : IGroupLease
    {
        public string Owner => owner;
        public long Token => token;

        // Nothing else can take a semaphore held in this process.
        public ValueTask<bool> IsHeldAsync() => ValueTask.FromResult(true);

        public ValueTask DisposeAsync()
        {
            locks.Release(groupId, entry, held: true);
            return ValueTask.CompletedTask;
        }
    }
}

// The floor of every fencing token: microseconds since 1970 (exact in a Lua double until the year 2255).
public static class FencingClock
{
    public static long Now() => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10;
}
