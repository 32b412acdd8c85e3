using ClusterGroups.Api.FanOut;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClusterGroups.Api.Coordinator;

public sealed class CoordinatorOptions
{
    // How long a lease on a groupId lives without renewal: an Api that dies frees its groups after this.
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    // How long a closed operation stays in the journal (a week); the group's desired state (IDesiredState) stays on.
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan ClosedRetention { get; set; } = TimeSpan.FromDays(7);
}

// Per-groupId leases in the coordinator store, shared by every Api replica: StackExchange.Redis LockTake/LockExtend
// (SET NX PX with an owner token; extend only by the owner) and a compare-and-delete script to release (one round trip
// where LockRelease takes two: it runs on every operation). The lease is renewed while the operation runs; if the Api
// dies, it expires and recovery takes the operation over.
public sealed class RedisGroupLocks(IConnectionMultiplexer redis, IOptions<CoordinatorOptions> options, TimeProvider time)
    : IGroupLocks
{
    private static readonly string Instance = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    public async Task<IGroupLease?> AcquireAsync(string groupId, TimeSpan wait, CancellationToken ct)
    {
        var key = (RedisKey)$"cg:lock:{groupId}";
        var token = $"{Instance}:{Guid.NewGuid():N}";
        var lease = options.Value.LeaseDuration;
        var db = redis.GetDatabase();
        var deadline = time.GetTimestamp() + (long)(wait.TotalSeconds * time.TimestampFrequency);
        var pause = TimeSpan.FromMilliseconds(5);
        while (!await db.LockTakeAsync(key, token, lease))
        {
            if (time.GetTimestamp() >= deadline)
            {
                return null;
            }

            // Contention on one groupId is short (one operation); back off a little, up to 100 ms.
            await Task.Delay(pause, time, ct);
            pause = TimeSpan.FromMilliseconds(Math.Min(100, pause.TotalMilliseconds * 2));
        }

        return new Lease(db, key, token, lease, time);
    }

    private const string Release = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    private sealed class Lease : IGroupLease
    {
        private readonly IDatabase _db;
        private readonly RedisKey _key;
        private readonly string _token;
        private readonly ITimer _renewal;

        public Lease(IDatabase db, RedisKey key, string token, TimeSpan lease, TimeProvider time)
        {
            (_db, _key, _token) = (db, key, token);
            var every = lease / 3;
            // A failed renewal is not fatal: the next one may succeed before the lease runs out.
            _renewal = time.CreateTimer(_ => _ = _db.LockExtendAsync(_key, _token, lease)
                .ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted), null, every, every);
        }

        public string Owner => _token;

        public async ValueTask DisposeAsync()
        {
            await _renewal.DisposeAsync();
            await _db.ScriptEvaluateAsync(Release, [_key], [_token]);
        }
    }
}
