using ClusterGroups.Api.FanOut;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClusterGroups.Api.Coordinator;

public sealed class CoordinatorOptions
{
    // How long a lease on a groupId lives without renewal: an Api that dies frees its groups after this.
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);
}

// Per-groupId leases in the coordinator store, shared by every Api replica. Taking one is one script: SET NX PX with
// an owner token, and in the same step the group's fencing token raised (cg:fences, a hash groupId -> last token):
// the last one + 1, at least the clock in microseconds, so tokens keep growing even if the store lost the hash.
// The lease is renewed (LockExtend: only by its owner) while the operation runs; if the Api dies, it expires and
// recovery takes the operation over with a higher token. A renewal that finds the lease gone makes it lost; past the
// lease's duration since the last good renewal (a paused process, a starved timer) it is asked of the store again
// before the next write: lost unless this owner still has it. A lost lease's operation stops writing.
public sealed class RedisGroupLocks(IConnectionMultiplexer redis, IOptions<CoordinatorOptions> options, TimeProvider time)
    : IGroupLocks
{
    public static readonly RedisKey Fences = "cg:fences";

    private static readonly string Instance = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    // KEYS: the lock, the fences hash. ARGV: owner, lease ms, groupId, the clock (µs). The new token, or false.
    private const string Take = """
        if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
        local token = tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '0') + 1
        local now = tonumber(ARGV[4])
        if now > token then token = now end
        local text = string.format('%.0f', token)
        redis.call('HSET', KEYS[2], ARGV[3], text)
        return text
        """;

    private const string Release = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    public async Task<IGroupLease?> AcquireAsync(string groupId, TimeSpan wait, CancellationToken ct)
    {
        var key = (RedisKey)$"cg:lock:{groupId}";
        var owner = $"{Instance}:{Guid.NewGuid():N}";
        var lease = options.Value.LeaseDuration;
        var db = redis.GetDatabase();
        var deadline = time.GetTimestamp() + (long)(wait.TotalSeconds * time.TimestampFrequency);
        var pause = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            var asked = time.GetTimestamp();
            var token = await db.ScriptEvaluateAsync(Take, [key, Fences],
                [owner, (long)lease.TotalMilliseconds, groupId, FencingClock.Now()]);
            if (!token.IsNull)
            {
                return new Lease(db, key, owner, long.Parse((string)token!, System.Globalization.CultureInfo.InvariantCulture), lease, asked, time);
            }

            if (time.GetTimestamp() >= deadline)
            {
                return null;
            }

            // Contention on one groupId is short (one operation); back off a little, up to 100 ms.
            await Task.Delay(pause, time, ct);
            pause = TimeSpan.FromMilliseconds(Math.Min(100, pause.TotalMilliseconds * 2));
        }
    }

    private sealed class Lease : IGroupLease
    {
        private readonly IDatabase _db;
        private readonly RedisKey _key;
        private readonly TimeSpan _duration;
        private readonly TimeProvider _time;
        private readonly ITimer _renewal;
        private long _validUntil;
        private volatile bool _lost;

        public Lease(IDatabase db, RedisKey key, string owner, long token, TimeSpan duration, long asked, TimeProvider time)
        {
            (_db, _key, Owner, Token, _duration, _time) = (db, key, owner, token, duration, time);
            _validUntil = asked + Ticks(duration);
            var every = duration / 3;
            _renewal = time.CreateTimer(_ => _ = RenewAsync(), null, every, every);
        }

        public string Owner { get; }
        public long Token { get; }

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
}
