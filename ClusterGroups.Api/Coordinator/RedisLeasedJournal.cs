using System.Globalization;
using ClusterGroups.Api.FanOut;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ClusterGroups.Api.Coordinator;

// Start and Close against the coordinator store, one script each (RedisOperationJournal's Start and Save).
// Start proposes the fencing token itself, so that the entry it begins can carry it: the clock in microseconds, above
// every token the group had (the script refuses a lower one and says which it has; the next try proposes one above
// that, so a replica whose clock runs behind another's costs one more round trip, never a token out of order).
public sealed class RedisLeasedJournal(
    IConnectionMultiplexer redis, RedisOperationJournal journal, IOptions<CoordinatorOptions> options, TimeProvider time)
    : ILeasedJournal
{
    public async Task<OperationStart?> StartAsync(OperationState op, bool begin, TimeSpan wait, CancellationToken ct)
    {
        var owner = RedisGroupLocks.NewOwner();
        var lease = options.Value.LeaseDuration;
        var busy = new LeaseWait(wait, time);
        var floor = 0L;
        while (true)
        {
            var asked = time.GetTimestamp();
            (op.Owner, op.Fence, op.StartedAt) = (owner, Math.Max(FencingClock.Now(), floor + 1), time.GetUtcNow());
            var (answer, value) = await journal.StartAsync(op, owner, lease, begin, ct);
            switch (answer)
            {
                case "stale":
                    floor = long.Parse(value, CultureInfo.InvariantCulture);
                    continue;
                case "busy":
                    if (!await busy.NextAsync(ct))
                    {
                        return null;
                    }

                    continue;
            }

            var held = new RedisLease(redis.GetDatabase(), RedisGroupLocks.LockKey(op.GroupId), owner, op.Fence, lease, asked, time);
            op.Lease = held;
            var last = value.Length == 0 ? null : value;
            return new OperationStart(held, last, LastOpen: answer == "open", Begun: answer == "begun");
        }
    }

    public async Task CloseAsync(OperationState op, CancellationToken ct)
    {
        var lease = op.Lease as RedisLease;
        await journal.CloseAsync(op, lease?.Owner);
        lease?.MarkReleased();
    }
}
