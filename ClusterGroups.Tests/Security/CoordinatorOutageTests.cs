using System.Collections.Concurrent;
using ClusterGroups.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Security;

// The coordinator store (journal, leases) killed under load: callers get 503 problems with Retry-After, never a 500,
// and every 201 answered is a group on every node.
[Collection(SecureClusterCollection.Name)]
public sealed class CoordinatorOutageTests(SecureClusterFixture cluster, ITestOutputHelper output)
{
    private const int Callers = 8;

    private sealed record Answer(string Phase, string GroupId, int Status, string? MediaType, bool RetryAfter, string Body);

    [Fact]
    public async Task Killing_the_coordinator_store_under_load_gives_503s_and_no_500()
    {
        var answers = new ConcurrentQueue<Answer>();
        var phase = "up";
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
        {
            var api = cluster.Api(cluster.WriteKey);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var id = $"out-{c}-{i}-{Guid.NewGuid():N}"[..40];
                var current = Volatile.Read(ref phase);
                using var response = await api.PostGroupAsync(id);
                answers.Enqueue(new Answer(current, id, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
                    response.Headers.RetryAfter is not null, await response.Content.ReadAsStringAsync()));
            }
        })).ToList();

        Task Answered(string name, Func<Answer, bool> which, int count) =>
            Wait.UntilAsync(() => Task.FromResult(answers.Count(a => a.Phase == name && which(a)) >= count), Wait.Resource,
                $"{count} answers during '{name}'");

        await Answered("up", a => a.Status == 201, 2 * Callers);
        Volatile.Write(ref phase, "down");
        await cluster.KillAsync("coordinator");
        await Answered("down", a => a.Status >= 400, 2 * Callers);

        Volatile.Write(ref phase, "restarting");
        await cluster.StartAsync("coordinator");
        Volatile.Write(ref phase, "back");
        await Answered("back", a => a.Status == 201, 2 * Callers);
        await stop.CancelAsync();
        await Task.WhenAll(load).WaitAsync(Wait.Request);

        output.WriteLine(string.Join(", ", answers.GroupBy(a => (a.Phase, a.Status)).Select(g => $"{g.Key.Phase} {g.Key.Status}: {g.Count()}")));
        foreach (var sample in answers.Where(a => a.Status == 503).Select(a => a.Body).Distinct().Take(3))
        {
            output.WriteLine(sample);
        }

        Assert.All(answers, a => Assert.True(a.Status < 500 || a.Status == 503, $"{a.Status} for {a.GroupId}: {a.Body}"));
        Assert.Contains(answers, a => a.Phase == "down" && a.Status == 503);
        Assert.All(answers.Where(a => a.Status == 503), a =>
        {
            Assert.Equal("application/problem+json", a.MediaType);
            Assert.True(a.RetryAfter, $"no Retry-After: {a.Body}");
        });
        foreach (var node in cluster.NodeNames)
        {
            var groups = await cluster.Node(node).GroupIdsAsync();
            Assert.All(answers.Where(a => a.Status == 201), a => Assert.Contains(a.GroupId, groups));
        }
    }
}
