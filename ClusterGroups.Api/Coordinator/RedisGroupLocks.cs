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

    public static RedisKey LockKey(string groupId) => $"cg:lock:{groupId}";

    public static string NewOwner() => $"{Instance}:{Guid.NewGuid():N}";

    public async Task<IGroupLease?> AcquireAsync(string groupId, TimeSpan wait, CancellationToken ct)
    {
        var key = LockKey(groupId);
        var owner = NewOwner();
        var lease = options.Value.LeaseDuration;
        var db = redis.GetDatabase();
        var busy = new LeaseWait(wait, time);
        while (true)
        {
            var asked = time.GetTimestamp();
            var token = await db.ScriptEvaluateAsync(Take, [key, Fences],
                [owner, (long)lease.TotalMilliseconds, groupId, FencingClock.Now()]);
            if (!token.IsNull)
            {
                return new RedisLease(db, key, owner, long.Parse((string)token!, System.Globalization.CultureInfo.InvariantCulture), lease, asked, time);
            }

            if (!await busy.NextAsync(ct))
            {
                return null;
            }
        }
    }
}
