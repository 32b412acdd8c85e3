namespace ClusterGroups.Simulation.Runtime;

// A timer on simulated time, owned by an actor: it fires as that actor's work (held while the actor is paused,
// dropped once it crashed). What TimeProvider.CreateTimer gives inside a simulation.
public sealed class SimTimer(SimScheduler scheduler, SimActor actor, Action fire) : ITimer
{
    private long _due = -1;
    private TimeSpan _period;
    private bool _disposed;

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        if (_disposed)
        {
            return false;
        }

        _period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            _due = -1;
            return true;
        }

        _due = (scheduler.Now + dueTime).Ticks;
        scheduler.Arm(this, dueTime);
        return true;
    }

    internal bool IsDueAt(long due) => !_disposed && _due == due;

    internal void Fire()
    {
        if (_period > TimeSpan.Zero)
        {
            _due = (scheduler.Now + _period).Ticks;
            scheduler.Arm(this, _period);
        }
        else
        {
            _due = -1;
        }

        if (!actor.Crashed)
        {
            scheduler.Post(actor, () =>
            {
                if (!_disposed)
                {
                    fire();
                }
            });
        }
    }

    public void Dispose() => _disposed = true;

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return ValueTask.CompletedTask;
    }
}
