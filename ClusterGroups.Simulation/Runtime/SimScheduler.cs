namespace ClusterGroups.Simulation.Runtime;

// The one thread a simulation runs on and the order everything on it happens in, drawn from the seed. Work is posted
// by actors (an Api replica, a client: their SynchronizationContext) and by the environment (network deliveries,
// nodes and stores serving requests); each step runs one ready item chosen at random among those whose actor can
// run (not paused, not crashed), so every interleaving of continuations a seed can reach is reachable. When nothing
// is ready, simulated time jumps to the next timer. Nothing real happens: no thread pool, no sockets, no wall clock.
// Work that reaches this scheduler from any other thread is a bug of the simulation (something escaped it): it is
// recorded and fails the run, because its order would not come from the seed.
public sealed class SimScheduler(Random random)
{
    private readonly List<(SimActor Actor, Action Work)> _ready = [];
    private readonly PriorityQueue<SimTimer, (long Due, long Sequence)> _timers = new();
    private long _sequence;
    private Thread? _thread;

    // The environment: nodes, stores and the network run as it; never paused.
    public SimActor Environment => _environment ??= new SimActor(this, "env");
    private SimActor? _environment;

    // Simulated time since the simulation started.
    public TimeSpan Now { get; private set; }

    public long Steps { get; private set; }

    // What escaped the scheduler (work posted from another thread), if anything.
    public string? Escape { get; private set; }

    public Random Random => random;

    public void Post(SimActor actor, Action work)
    {
        if (_thread is not null && Thread.CurrentThread != _thread)
        {
            Escape ??= $"work for {actor.Name} was posted from thread {System.Environment.CurrentManagedThreadId}, not the simulation's: {System.Environment.StackTrace}";
            return;
        }

        _ready.Add((actor, work));
    }

    // Runs `fire` as work of `actor` once `due` has passed (and again every `period`, if it is not zero).
    public SimTimer Timer(SimActor actor, Action fire, TimeSpan due, TimeSpan period)
    {
        var timer = new SimTimer(this, actor, fire);
        timer.Change(due, period);
        return timer;
    }

    internal void Arm(SimTimer timer, TimeSpan due) => _timers.Enqueue(timer, ((Now + due).Ticks, ++_sequence));

    // Runs until `done` holds, nothing is left to run, or `limit` of simulated time has passed. The thread this is
    // called on is the simulation's for the run.
    public void Run(Func<bool> done, TimeSpan limit)
    {
        _thread = Thread.CurrentThread;
        var previous = SynchronizationContext.Current;
        try
        {
            while (!done() && Escape is null)
            {
                if (TakeRunnable() is { } item)
                {
                    Execute(item.Actor, item.Work);
                    continue;
                }

                if (!AdvanceToNextTimer(limit))
                {
                    return;
                }
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private (SimActor Actor, Action Work)? TakeRunnable()
    {
        var runnable = 0;
        foreach (var (actor, _) in _ready)
        {
            if (actor.CanRun)
            {
                runnable++;
            }
        }

        if (runnable == 0)
        {
            return null;
        }

        var pick = random.Next(runnable);
        for (var i = 0; i < _ready.Count; i++)
        {
            if (!_ready[i].Actor.CanRun || pick-- > 0)
            {
                continue;
            }

            var item = _ready[i];
            _ready.RemoveAt(i);
            return item;
        }

        return null;
    }

    private void Execute(SimActor actor, Action work)
    {
        Steps++;
        SynchronizationContext.SetSynchronizationContext(actor);
        try
        {
            work();
        }
        catch (Exception e)
        {
            actor.Fail(e);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(null);
        }
    }

    // Time jumps to the next live timer, which fires (posts its work). False when no timer is left before `limit`.
    private bool AdvanceToNextTimer(TimeSpan limit)
    {
        while (_timers.TryPeek(out var timer, out var key))
        {
            if (key.Due > limit.Ticks)
            {
                return false;
            }

            _timers.Dequeue();
            if (!timer.IsDueAt(key.Due))
            {
                continue; // changed or disposed since it was armed
            }

            if (key.Due > Now.Ticks)
            {
                Now = TimeSpan.FromTicks(key.Due);
            }

            timer.Fire();
            return true;
        }

        return false;
    }

    // Drops what a crashed actor had posted: its process is gone.
    internal void Forget(SimActor actor) => _ready.RemoveAll(item => item.Actor == actor);
}
