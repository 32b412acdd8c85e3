using System.Diagnostics;
using ClusterGroups.Bench.Measurement;

namespace ClusterGroups.Bench.Scenarios;

public sealed record LoadRun(OpRecorder Recorded, TimeSpan Elapsed, bool Truncated);

// A closed loop: `concurrency` workers each run iterations back to back until the deadline or the phase's operation
// cap. Iterations in flight at the deadline finish and count; after the drain cap they are cancelled (Truncated).
// keepSamples: every operation's timings are kept as well (each worker in its own recorder).
public static class LoadRunner
{
    public static async Task<LoadRun> RunAsync(
        int concurrency, TimeSpan duration, TimeSpan drain, int maxIterations,
        Func<OpRecorder, CancellationToken, Task> iteration, Func<Task>? atDeadline, CancellationToken ct, bool keepSamples = false)
    {
        using var cap = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cap.CancelAfter(duration + drain);
        var recorders = Enumerable.Range(0, concurrency).Select(_ => new OpRecorder(keepSamples)).ToArray();
        long started = 0;
        var clock = Stopwatch.StartNew();

        var workers = Task.WhenAll(recorders.Select(recorder => Task.Run(async () =>
        {
            while (clock.Elapsed < duration && Interlocked.Increment(ref started) <= maxIterations)
            {
                try
                {
                    await iteration(recorder, cap.Token);
                }
                catch (OperationCanceledException) when (cap.IsCancellationRequested)
                {
                    return;
                }
            }
        }, CancellationToken.None)));

        await Task.WhenAny(workers, Task.Delay(duration, ct));
        if (atDeadline is not null)
        {
            await atDeadline();
        }

        await workers;
        var elapsed = clock.Elapsed;
        ct.ThrowIfCancellationRequested();

        var all = new OpRecorder();
        foreach (var recorder in recorders)
        {
            all.Add(recorder);
        }

        return new LoadRun(all, elapsed, cap.IsCancellationRequested);
    }
}
