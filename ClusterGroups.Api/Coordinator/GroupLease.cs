namespace ClusterGroups.Api.Coordinator;

// A lease on one groupId (Coordination takes them), whatever store holds it: renewed by a timer every third of its
// duration while held, trusted only while valid (IsHeldAsync, asked before every node write), freed on dispose unless
// the operation's closing step already freed it (MarkReleased).
// Valid until measured from when the last good renewal was asked for, on the monotonic clock (which runs on while a
// process is stopped): past that, the store may already have handed the lease to another replica, so the store is
// asked again before the next write. A renewal that finds the lease gone makes it lost for good.
public sealed class GroupLease : IAsyncDisposable
{
    private readonly ICoordinator _coordinator;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _time;
    private readonly ITimer _renewal;
    private long _validUntil;
    private volatile bool _lost;
    private volatile bool _released;

    public GroupLease(ICoordinator coordinator, string groupId, string owner, long token, TimeSpan duration, long asked, TimeProvider time)
    {
        (_coordinator, GroupId, Owner, Token, _duration, _time) = (coordinator, groupId, owner, token, duration, time);
        _validUntil = asked + Ticks(duration);
        var every = duration / 3;
        _renewal = time.CreateTimer(_ => _ = RenewAsync(), null, every, every);
    }

    public string GroupId { get; }
    public string Owner { get; }

    // The lease's fencing token: it only grows from one lease on the group to the next.
    public long Token { get; }

    // The closing step freed the lease in the same round trip: disposing then only stops the renewals.
    public void MarkReleased() => _released = _lost = true;

    public async ValueTask<bool> IsHeldAsync()
    {
        if (_lost)
        {
            return false;
        }

        return _time.GetTimestamp() < Interlocked.Read(ref _validUntil) || await RenewAsync();
    }

    private async Task<bool> RenewAsync()
    {
        if (_lost)
        {
            return false;
        }

        var asked = _time.GetTimestamp();
        try
        {
            if (await _coordinator.RenewAsync(GroupId, Owner, _duration, CancellationToken.None))
            {
                Interlocked.Exchange(ref _validUntil, asked + Ticks(_duration));
                return true;
            }

            _lost = true;
            return false;
        }
        catch (CoordinatorStoreException)
        {
            // Not fatal by itself: the next renewal may succeed before the lease runs out (IsHeldAsync tells).
            return false;
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    public async ValueTask DisposeAsync()
    {
        await _renewal.DisposeAsync();
        if (_released)
        {
            return;
        }

        _lost = true;
        try
        {
            await _coordinator.ReleaseAsync(GroupId, Owner, CancellationToken.None);
        }
        catch (CoordinatorStoreException)
        {
            // The lease expires by itself.
        }
    }
}
