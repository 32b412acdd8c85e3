using System.Text;
using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Coordinator;

// Issue 23, case 1, with real processes (docs/ARCHITECTURE.md, "Takeover"): replica A creates g; node3 applies it but
// its answer is lost and node3 cannot be asked, so its effect stays unknown; A begins the rollback and undoes node1 and
// node2 while it keeps asking node3; A is frozen (SIGSTOP) past its lease; node3 heals; replica B's recovery takes the
// operation over. Under the rule before issue 23 (only the unknown node is learned, the journal trusted) B committed a
// group that two nodes had already dropped, and A, resumed, answered 201. Every answer, and the journal, must agree
// with the nodes at the moment it is given.
[Collection(ReplicatedApiCollection.Name)]
public sealed class PausedRollbackTests(ReplicatedApiFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    [Fact]
    public async Task A_replica_frozen_mid_rollback_and_the_replica_that_takes_over_never_answer_a_group_that_is_gone()
    {
        var id = $"frozen-{Guid.NewGuid():N}"[..20];
        // node3: the create applies and its answer is held past the attempt timeout; every read fails; every abort
        // (how A asks what the create did) is refused with Retry-After, so A keeps asking node3 for ~30 s
        // (ReplicatedApiFixture honours a Retry-After of up to 10 s): the window in which A is frozen.
        await cluster.SetChaosAsync("node3", new { errorBeforeApply = 1.0, methods = new[] { "GET" }, retryAfterSeconds = 10 });
        await cluster.FailNextAsync("node3", "TimeoutAfterApply", "POST", 1);
        await cluster.FailNextAsync("node3", "Unavailable", "ABORT", 100);
        using var coordinator = await cluster.ConnectCoordinatorAsync();
        var journal = coordinator.GetDatabase();

        var api = cluster.Api();
        var answer = api.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/group/")
        {
            Content = new StringContent(new JsonObject { ["groupId"] = id }.ToJsonString(), Encoding.UTF8, "application/json"),
        }).WaitAsync(Wait.Resource);

        var (operationId, pid) = await PausedReplica.JournaledAsync(journal, id);
        // The rollback is on record (saved before its first undo write, after node1 and node2 applied), and node1 and
        // node2 are undone: A is now asking node3.
        await Wait.UntilAsync(async () => (await PausedReplica.EntryAsync(journal, operationId))["rollingBack"]?.GetValue<bool>() == true
                && !await cluster.IsPresentAsync("node1", id) && !await cluster.IsPresentAsync("node2", id),
            Wait.Request, "A begins the rollback and undoes node1 and node2");
        Signals.Send(pid, "STOP");
        try
        {
            var frozen = await PausedReplica.EntryAsync(journal, operationId);
            Assert.False(answer.IsCompleted, "A answered before it was frozen");
            Assert.Equal("Running", frozen["outcome"]!.GetValue<string>());
            Assert.Equal("Unknown", frozen["nodes"]!.AsArray().Single(n => n!["node"]!.GetValue<string>() == "node3")!["effect"]!.GetValue<string>());

            await cluster.MakeStableAsync("node3");
            await Wait.UntilAsync(async () => (await PausedReplica.EntryAsync(journal, operationId))["outcome"]!.GetValue<string>() is not ("Running" or "PendingRepair"),
                Wait.Resource, "replica B takes the operation over and closes it");

            // B's decision, as journaled, against the nodes now. (Read from the coordinator, not through the Api: its
            // endpoint balances over both replicas, and A is frozen.)
            var closed = await PausedReplica.EntryAsync(journal, operationId);
            var where = await cluster.WhereAsync(id);
            AssertAgrees(closed["outcome"]!.GetValue<string>(), where, $"B closed {operationId} as {closed["outcome"]}");
        }
        finally
        {
            Signals.Send(pid, "CONT");
        }

        // A's answer, once resumed, against the nodes at that moment.
        var response = await answer;
        var body = await response.JsonAsync();
        var whereNow = await cluster.WhereAsync(id);
        var entry = await PausedReplica.EntryAsync(journal, operationId);
        var said = $"A answered {(int)response.StatusCode} {body["outcome"]} ({body["summary"]}), journal {entry["outcome"]}, group on [{string.Join(", ", whereNow)}]";
        AssertAgrees(entry["outcome"]!.GetValue<string>(), whereNow, said);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Created:
                Assert.True(whereNow.Length == 3, said);
                break;
            case HttpStatusCode.ServiceUnavailable:
                Assert.True(whereNow.Length == 0 && body["outcome"]?.GetValue<string>() == "RolledBack", said);
                break;
            default:
                Assert.Fail(said);
                break;
        }
    }

    // A closed create holds on every node (Committed) or on none (RolledBack); never Committed with g undone anywhere.
    private static void AssertAgrees(string outcome, string[] where, string said)
    {
        switch (outcome)
        {
            case "Committed":
                Assert.True(where.Length == 3, $"{said}; group on [{string.Join(", ", where)}]");
                break;
            case "RolledBack":
                Assert.True(where.Length == 0, $"{said}; group on [{string.Join(", ", where)}]");
                break;
            default:
                Assert.Fail($"{said}; group on [{string.Join(", ", where)}]");
                break;
        }
    }
}
