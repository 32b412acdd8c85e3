using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Coordinator;

// docs/ARCHITECTURE.md, "Hazards across time", a paused owner: the replica running a create is frozen (SIGSTOP) for
// longer than its lease while node3 holds the write (a late delivery); the other replica takes the operation over.
// When the frozen one resumes, its answer must be true at the moment it is given, and stay true once every held
// write has reached node3.
[Collection(ReplicatedApiCollection.Name)]
public sealed class PausedReplicaTests(ReplicatedApiFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    [Fact]
    public async Task A_replica_paused_past_its_lease_answers_what_the_nodes_hold_when_it_answers()
    {
        var id = $"paused-{Guid.NewGuid():N}"[..20];
        await cluster.SetChaosAsync("node3", new { delayBeforeApply = 1.0, methods = new[] { "POST" }, delay = "00:00:05" });
        using var coordinator = await cluster.ConnectCoordinatorAsync();
        var journal = coordinator.GetDatabase();

        var answer = cluster.Api().PostGroupAsync(id);

        // The operation as journaled names its owner: "<machine>:<pid>:…" of the replica running it.
        var (operationId, pid) = await PausedReplica.JournaledAsync(journal, id);
        Signals.Send(pid, "STOP");
        try
        {
            await Wait.UntilAsync(async () => (await PausedReplica.EntryAsync(journal, operationId))["outcome"]!.GetValue<string>() != "Running",
                Wait.Resource, "the other replica takes the operation over and closes it");
        }
        finally
        {
            Signals.Send(pid, "CONT");
        }

        var response = await answer;
        var where = await cluster.WhereAsync(id);
        var entry = await PausedReplica.EntryAsync(journal, operationId);
        var body = await response.JsonAsync();
        AssertTrue(response.StatusCode, body, entry, where);

        // Every write node3 held reaches it; nothing changes.
        await Wait.UntilAsync(async () => await HeldAsync("node3") == 0, Wait.Resource, "node3 delivers every held write");
        Assert.Equal(where, await cluster.WhereAsync(id));
    }

    private static void AssertTrue(HttpStatusCode status, JsonNode body, JsonNode entry, string[] where)
    {
        var outcome = body["outcome"]?.GetValue<string>();
        var said = $"answered {(int)status} {outcome} ({body["summary"]}), journal {entry["outcome"]}, group on [{string.Join(", ", where)}]";
        switch (status)
        {
            case HttpStatusCode.Created:
                Assert.True(where.Length == 3 && entry["outcome"]!.GetValue<string>() == "Committed", said);
                break;
            case HttpStatusCode.ServiceUnavailable:
                Assert.True(where.Length == 0 && entry["outcome"]!.GetValue<string>() == "RolledBack", said);
                break;
            case HttpStatusCode.Accepted:
                Assert.True(entry["outcome"]!.GetValue<string>() is "Running" or "PendingRepair", said);
                break;
            default:
                Assert.Fail(said);
                break;
        }
    }

    private async Task<int> HeldAsync(string node) =>
        (await (await cluster.Node(node).GetAsync("/admin/chaos").WaitAsync(Wait.Request)).JsonAsync())["held"]!.GetValue<int>();
}
