using ClusterGroups.Simulation.Runtime;

namespace ClusterGroups.Simulation.World;

// The network between the simulated processes. A call is a request from an actor to an endpoint and, maybe, its
// answer: each hop takes a random delay, a request may be lost before it arrives, delivered twice (the second copy
// late), and an answer may be lost after the request was served. The endpoint serves a request atomically, in the
// environment, when (and each time) it arrives. The caller gives up after its timeout; what it sent may still arrive.
// An endpoint that is down refuses the connection: nothing reaches it.
public sealed class SimNetwork(SimScheduler scheduler, SimTrace trace)
{
    public NetworkFaults Faults { get; set; } = NetworkFaults.None;

    private Random Random => scheduler.Random;

    // The answer, or null when none came within `timeout` (lost, late, or its answer lost): its effect is unknown.
    // `refused` answers at once when the endpoint is down.
    // `crashAfter` (optional) decides, once the request was served, whether the endpoint crashes before answering.
    public Task<T?> CallAsync<T>(SimActor from, string to, string what, Func<bool> down, Func<T> serve, Func<T> refused, TimeSpan timeout,
        Func<T, bool>? crashAfter = null)
        where T : class
    {
        var answer = new TaskCompletionSource<T?>();
        if (down())
        {
            trace.Add(from.Name, $"-> {to} {what}: connection refused");
            scheduler.Timer(from, () => answer.TrySetResult(refused()), Hop(fast: true), TimeSpan.Zero);
            return answer.Task;
        }

        var timer = scheduler.Timer(from, () =>
        {
            if (answer.TrySetResult(null))
            {
                trace.Add(from.Name, $"-> {to} {what}: no answer within {timeout.TotalMilliseconds:0} ms");
            }
        }, timeout, TimeSpan.Zero);

        if (Random.NextDouble() < Faults.LoseRequest)
        {
            trace.Add(from.Name, $"-> {to} {what}: request lost");
            return answer.Task;
        }

        Deliver(from, to, what, down, serve, crashAfter, answer, timer, copy: 1);
        return answer.Task;
    }

    private void Deliver<T>(SimActor from, string to, string what, Func<bool> down, Func<T> serve, Func<T, bool>? crashAfter,
        TaskCompletionSource<T?> answer, SimTimer timeout, int copy) where T : class
    {
        scheduler.Timer(scheduler.Environment, () =>
        {
            if (down())
            {
                trace.Add(to, $"<- {from.Name} {what} (copy {copy}): not served, down");
                return;
            }

            var result = serve();
            trace.Add(to, $"<- {from.Name} {what}{(copy > 1 ? $" (copy {copy}, late)" : "")}: {result}");
            if (copy == 1 && Random.NextDouble() < Faults.Duplicate)
            {
                Deliver(from, to, what, down, serve, crashAfter, answer, timeout, copy + 1);
            }

            if (copy > 1 || crashAfter?.Invoke(result) == true)
            {
                return;
            }

            if (Random.NextDouble() < Faults.LoseAnswer)
            {
                trace.Add(to, $"-> {from.Name} answer to {what}: lost");
                return;
            }

            scheduler.Timer(from, () =>
            {
                if (answer.TrySetResult(result))
                {
                    timeout.Dispose();
                }
            }, Hop(fast: false), TimeSpan.Zero);
        }, Hop(fast: false), TimeSpan.Zero);
    }

    // One hop: a fraction of a millisecond to a few, or, now and then, held (past the sender's timeout).
    private TimeSpan Hop(bool fast) =>
        !fast && Random.NextDouble() < Faults.Hold
            ? TimeSpan.FromMilliseconds(100 + Random.NextDouble() * Faults.MaxHold.TotalMilliseconds)
            : TimeSpan.FromTicks(1_000 + Random.Next(30_000));
}
