using ClusterGroups.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Security;

// The coordinator store (journal, leases) killed under load: callers get 503 problems with Retry-After, never a 500,
// and every 201 answered is a group on every node.
[Collection(SecureClusterCollection.Name)]
public sealed class CoordinatorOutageTests(SecureClusterFixture cluster, ITestOutputHelper output)
{
    private const int Callers = 8;

    [Fact]
    public async Task Killing_the_coordinator_store_under_load_gives_503s_and_no_500()
    {
        await using var load = new PhasedLoad(() => cluster.Api(cluster.WriteKey), Callers, "out", "up");
        await load.AnsweredAsync("up", a => a.Status == 201, 2 * Callers);

        load.Enter("down");
        await cluster.KillAsync("coordinator");
        await load.AnsweredAsync("down", a => a.Status >= 400, 2 * Callers);

        load.Enter("restarting");
        await cluster.StartAsync("coordinator");
        load.Enter("back");
        await load.AnsweredAsync("back", a => a.Status == 201, 2 * Callers);
        await load.StopAsync();

        var answers = load.Answers.ToList();
        output.WriteLine(load.Summary());
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
