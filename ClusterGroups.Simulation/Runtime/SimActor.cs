namespace ClusterGroups.Simulation.Runtime;

// One process of the simulation (an Api replica, a client) or the environment: its continuations are posted here and
// run by the scheduler, in an order drawn from the seed. A paused actor (SIGSTOP) runs nothing until resumed, its
// timers and arriving answers wait; a crashed one (kill -9) never runs again and what it had posted is dropped.
public sealed class SimActor(SimScheduler scheduler, string name) : SynchronizationContext
{
    public string Name { get; } = name;
    public SimScheduler Scheduler => scheduler;
    public bool Paused { get; private set; }
    public bool Crashed { get; private set; }
    public bool CanRun => !Paused && !Crashed;

    // An exception that escaped a work item of this actor (a bug: async work completes tasks, it does not throw here).
    public Exception? Failure { get; private set; }

    public override void Post(SendOrPostCallback d, object? state)
    {
        if (!Crashed)
        {
            scheduler.Post(this, () => d(state));
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Nothing in a simulation may block on another actor.");

    public override SynchronizationContext CreateCopy() => this;

    // Starts `work` on this actor; the task ends when it does.
    public Task<T> Start<T>(Func<Task<T>> work)
    {
        var done = new TaskCompletionSource<T>();
        Post(async _ =>
        {
            try
            {
                done.TrySetResult(await work());
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }, null);
        return done.Task;
    }

    public void Pause() => Paused = true;

    public void Resume() => Paused = false;

    public void Crash()
    {
        Crashed = true;
        scheduler.Forget(this);
    }

    internal void Fail(Exception e) => Failure ??= e;
}
