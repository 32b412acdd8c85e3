using System.Collections.Concurrent;
using System.Diagnostics;
using ClusterGroups.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Durability;

/// <summary>A write answered as done: the group, and the operation that did it when the Api answered.</summary>
public sealed record Acknowledged(string GroupId, string? OperationId = null);

/// <summary>What one round saw: the acknowledged writes, how many came before the kill, and when the kill came.</summary>
public sealed record KillRound(IReadOnlyList<Acknowledged> Acknowledged, int AcknowledgedBeforeKill, int NotAcknowledged, TimeSpan KillAfter);

// Writers that keep writing while a store is killed (kill -9). What was acknowledged is what must be there after the
// store restarts with its recover flags; writes whose answer was an error or never came promise nothing.
public static class KillUnderLoad
{
    public const int Writers = 32;

    /// <summary>
    /// Starts <see cref="Writers"/> writers, waits for <paramref name="acknowledgedFirst"/> acknowledgements and a
    /// random moment more (up to a second: the kill lands wherever the load is), kills, stops the writers from starting
    /// new writes and waits for the ones in flight (an acknowledgement that arrives after the kill still counts).
    /// </summary>
    public static async Task<KillRound> RunAsync(
        string prefix, Func<string, Task<Acknowledged?>> write, Func<Task> kill, int acknowledgedFirst, ITestOutputHelper output)
    {
        var acknowledged = new ConcurrentQueue<Acknowledged>();
        var notAcknowledged = 0;
        var stop = 0;
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var n = 0; Volatile.Read(ref stop) == 0; n++)
            {
                try
                {
                    if (await write($"{prefix}-{w}-{n}") is { } done)
                    {
                        acknowledged.Enqueue(done);
                    }
                    else
                    {
                        Interlocked.Increment(ref notAcknowledged);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException)
                {
                    Interlocked.Increment(ref notAcknowledged);
                }
            }
        })).ToArray();

        await Wait.UntilAsync(() => Task.FromResult(acknowledged.Count >= acknowledgedFirst || writers.Any(t => t.IsFaulted)),
            Wait.Resource, $"{acknowledgedFirst} acknowledged writes before the kill");
        // Not a synchronization: the kill's moment is meant to be random within the load.
        var killAfter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, 1000));
        await Task.Delay(killAfter);
        var before = acknowledged.Count;
        var clock = Stopwatch.StartNew();
        await kill();
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(writers).WaitAsync(Wait.Request);
        output.WriteLine($"{prefix}: killed {killAfter.TotalMilliseconds:0} ms after {acknowledgedFirst} acknowledgements, " +
                         $"{before} acknowledged before the kill, {acknowledged.Count} in all; {notAcknowledged} not acknowledged; " +
                         $"kill to stop {clock.ElapsedMilliseconds} ms");
        return new KillRound([.. acknowledged], before, notAcknowledged, killAfter);
    }
}
