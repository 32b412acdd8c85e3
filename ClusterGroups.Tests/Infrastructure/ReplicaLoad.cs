using System.Collections.Concurrent;

namespace ClusterGroups.Tests.Infrastructure;

// Callers creating and deleting a few ids at random through the Api for a while, each request on its own connection
// (Connection: close) so that the proxy spreads them over every Api replica: pooled connections, opened while an
// earlier test had one replica paused, may all lead to the other one.
public static class ReplicaLoad
{
    // Every answer: its status and the operation it named, if any.
    public static async Task<IReadOnlyList<(int Status, string? OperationId)>> RunAsync(
        ClusterFixture cluster, string[] ids, TimeSpan duration, int callers = 8)
    {
        var operations = new ConcurrentBag<(int, string?)>();
        using var stop = new CancellationTokenSource(duration);
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            var api = cluster.Api();
            api.DefaultRequestHeaders.ConnectionClose = true;
            var random = new Random(caller);
            while (!stop.IsCancellationRequested)
            {
                var id = ids[random.Next(ids.Length)];
                var response = random.Next(2) == 0 ? await api.PostGroupAsync(id) : await api.DeleteGroupAsync(id);
                operations.Add(((int)response.StatusCode, (await response.JsonAsync())["operationId"]?.GetValue<string>()));
            }
        })).WaitAsync(duration + Wait.Resource);
        return [.. operations];
    }

    public static Task NoneOpenAsync(HttpClient api) =>
        Wait.UntilAsync(async () =>
            (await (await api.GetAsync("/v1/operations?state=open")).JsonAsync())["operations"]!.AsArray().Count == 0,
            Wait.Resource, "no operation left open");
}
