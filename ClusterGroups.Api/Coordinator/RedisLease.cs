using ClusterGroups.Api.FanOut;
using StackExchange.Redis;

namespace ClusterGroups.Api.Coordinator;

// A lease on one groupId in the coordinator store (RedisGroupLocks, RedisLeasedJournal take them): renewed by a timer
// while held, trusted only while valid (IsHeldAsync), freed on dispose unless an operation's closing script already
// freed it (Released).
public sealed class RedisLease : IGroupLease
{
    private const string Release = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    private readonly IDatabase _db;
    private readonly RedisKey _key;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _time;
    private readonly ITimer _renewal;
    private long _validUntil;
    private volatile bool _lost;

    public RedisLease(IDatabase db, RedisKey key, string owner, long token, TimeSpan duration, long asked, TimeProvider time)
    {
        (_db, _key, Owner, Token, _duration, _time) = (db, key, owner, token, duration, time);
        _validUntil = asked + Ticks(duration);
        var every = duration / 3;
        _renewal = time.CreateTimer(_ => _ = RenewAsync(), null, every, every);
    }

    public string Owner { get; }
    public long Token { get; }

    // The coordinator key the lease is held under (cg:lock:{groupId}).
    public RedisKey Key => _key;

    // Set once a script freed the lease with the operation's close (RedisLeasedJournal): disposing then only stops
    // the renewals, saving a round trip.
    public bool Released { get; private set; }

    public void MarkReleased()
    {
        Released = true;
        _lost = true;
    }

    // Valid until measured from when the last good renewal was asked for, on the monotonic clock (which runs on
    // while a process is stopped): past that, the store may already have handed the lease to another replica.
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
        var asked = _time.GetTimestamp();
        try
        {
            if (await _db.LockExtendAsync(_key, Owner, _duration))
            {
                Interlocked.Exchange(ref _validUntil, asked + Ticks(_duration));
                return true;
            }

            _lost = true;
            return false;
        }
        catch (RedisException)
        {
            // Not fatal by itself: the next renewal may succeed before the lease runs out (IsHeldAsync tells).
            return false;
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    public async ValueTask DisposeAsync()
    {
        await _renewal.DisposeAsync();
        if (Released)
        {
            return;
        }

        try
        {
            // Compare-and-delete: never frees a lease another replica has taken since.
            await _db.ScriptEvaluateAsync(Release, [_key], [Owner]);
        }
        catch (RedisException)
        {
            // The lease expires by itself.
        }
    }
}
