namespace ClusterGroups.Simulation.Runtime;

// An actor's clock: simulated time, plus this actor's offset (clocks of replicas disagree, as real ones do; the
// monotonic timestamp does not depend on it), and timers that fire as the actor's work.
public sealed class SimClock(SimActor actor, DateTimeOffset epoch, TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset { get; set; } = offset;

    public override DateTimeOffset GetUtcNow() => epoch + actor.Scheduler.Now + Offset;

    public override long GetTimestamp() => actor.Scheduler.Now.Ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        actor.Scheduler.Timer(actor, () => callback(state), dueTime, period);
}
