using System.Diagnostics;
using ClusterGroups.Bench.Measurement;

namespace ClusterGroups.Bench.Scenarios;

// One iteration of a closed-loop worker: a fresh group is created, then deleted. Through the Api the delete is sent
// only after a committed create (a rolled-back create leaves nothing to delete, and its delete would be a free
// "already so"). An operation that met a node's Retry-After is recorded as such (its latency then counts apart).
public static class Workloads
{
    public static Func<OpRecorder, CancellationToken, Task> Direct(NodeCalls node) => async (recorder, ct) =>
    {
        var id = GroupIds.Next();
        await TimedAsync(recorder, "post", () => node.PostAsync(id, ct));
        await TimedAsync(recorder, "delete", () => node.DeleteAsync(id, ct));
    };

    public static Func<OpRecorder, CancellationToken, Task> Api(ApiCalls api) => async (recorder, ct) =>
    {
        var id = GroupIds.Next();
        var created = await TimedAsync(recorder, "create", () => api.CreateAsync(id, ct));
        if (created.Outcome.Equals("Committed", StringComparison.OrdinalIgnoreCase))
        {
            await TimedAsync(recorder, "delete", () => api.DeleteAsync(id, ct));
        }
    };

    private static async Task<Answer> TimedAsync(OpRecorder recorder, string kind, Func<Task<Answer>> send)
    {
        var started = Stopwatch.GetTimestamp();
        var answer = await send();
        recorder.Record(kind, Stopwatch.GetElapsedTime(started), answer.Outcome, answer.Succeeded, answer.NodeCalls, answer.MetRetryAfter, answer.Timing);
        return answer;
    }
}
