namespace ClusterGroups.UnitTests.FanOut;

// The system clock, whose timers can be held as a paused process's are (SIGSTOP): while held, no timer callback runs
// (a lease is not renewed, a backoff does not end); on Resume the callbacks that came due run, late, as they would
// once the process is continued. The clock itself runs on.
public sealed class PausableTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<(TimerCallback Callback, object? State)> _due = [];
    private bool _held;

    public void Hold()
    {
        lock (_lock)
        {
            _held = true;
        }
    }

    public void Resume()
    {
        List<(TimerCallback Callback, object? State)> due;
        lock (_lock)
        {
            _held = false;
            due = [.. _due];
            _due.Clear();
        }

        foreach (var (callback, state) in due)
        {
            callback(state);
        }
    }

    // How far this Api's wall clock is off (a clock stepped back: negative); the monotonic clock is not.
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    public override long GetTimestamp() => System.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(s =>
        {
            lock (_lock)
            {
                if (_held)
                {
                    // A periodic timer that came due several times while held runs once on Resume.
                    if (!_due.Exists(d => d.Callback == callback))
                    {
                        _due.Add((callback, s));
                    }

                    return;
                }
            }

            callback(s);
        }, state, dueTime, period);
}
