using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Chaos;

// docs/ARCHITECTURE.md, "What goes wrong with naive compensation", row 4: two concurrent creates of one id undid each
// other in the original. Here operations on one id are serialized, so a rollback can only undo its own work: whenever
// one create committed, the group is everywhere.
[Collection(ChaosCollection.Name)]
public sealed class CreateRaceTests(ChaosClusterFixture cluster) : IAsyncLifetime
{
    private static readonly int Rounds = int.TryParse(Environment.GetEnvironmentVariable("RACE_ROUNDS"), out var n) ? n : 100;

    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    [Fact]
    public async Task Two_callers_creating_one_id_never_leave_it_nowhere_after_one_committed()
    {
        foreach (var node in cluster.NodeNames)
        {
            // Writes only: the reads that check the outcome must tell the truth.
            await cluster.SetChaosAsync(node, new { faultRate = 0.15, methods = new[] { "POST", "DELETE" }, delay = "00:00:01.200" });
        }

        var (a, b) = (cluster.Api(), cluster.Api());
        var id = $"race-{Guid.NewGuid():N}";
        var bothCommittedRounds = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var answers = await Task.WhenAll(a.PostGroupAsync(id), b.PostGroupAsync(id));
            var outcomes = await Task.WhenAll(answers.Select(async r => (await r.JsonAsync())["outcome"]!.GetValue<string>()));

            var where = await cluster.WhereAsync(id);
            if (outcomes.Contains("Committed") || outcomes.All(o => o == "AlreadySo"))
            {
                Assert.Equal(cluster.NodeNames.ToArray(), where);
            }
            else if (outcomes.All(o => o == "RolledBack"))
            {
                Assert.Empty(where);
            }

            bothCommittedRounds += outcomes.Count(o => o == "Committed") == 2 ? 1 : 0;

            // Clean up for the next round; a failed delete is repeated (repeating an operation is always safe).
            await Wait.UntilAsync(async () =>
            {
                var outcome = (await (await a.DeleteAsync($"/v1/group/{id}").WaitAsync(Wait.Request)).JsonAsync())["outcome"]!.GetValue<string>();
                return outcome is "Committed" or "AlreadySo";
            }, Wait.Resource, $"round {round}: {id} deleted");
        }

        Assert.Equal(0, bothCommittedRounds);
    }
}
