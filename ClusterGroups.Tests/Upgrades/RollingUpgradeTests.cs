using System.Net;
using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Upgrades;

// A rolling upgrade under load (README, "Upgrades"): two replicas of the previous protocol version (2) share the
// coordinator, then are replaced one by one by the current version (3) while several callers write. The previous
// version is this build run as protocol 2 (Cluster:Upgrade:Protocol): it reads and writes journal entries up to
// version 2 and announces 2, as the build before announcements read and wrote. Checked: every answer true on the nodes
// it names when it is given; no 500; an entry the new version stamped 3 (a rollback record) is left alone by the old
// replica (503 "Written by a newer Api", never misread) and read by the new one; membership changes refused while an
// old replica is live and allowed once none is.
[Collection(UpgradeCollection.Name)]
public sealed class RollingUpgradeTests(UpgradeFixture cluster, ITestOutputHelper output)
{
    private const int Callers = 4;

    private static readonly Dictionary<string, string> Previous = new()
    {
        ["Cluster__Upgrade__Protocol"] = "2",
        ["Cluster__Upgrade__AnnounceInterval"] = "00:00:01",
        ["Cluster__Upgrade__AnnouncementLifetime"] = "00:00:04",
    };

    private static readonly Dictionary<string, string> Current = new()
    {
        ["Cluster__Upgrade__AnnounceInterval"] = "00:00:01",
        ["Cluster__Upgrade__AnnouncementLifetime"] = "00:00:04",
    };

    [Fact]
    public async Task Replicas_of_the_previous_version_replaced_one_by_one_under_load_answer_truly_and_membership_changes_wait_for_the_last()
    {
        // The AppHost's replica (the current version) steps aside: the cluster starts on the previous version only.
        await cluster.StopAsync("api");
        var replicas = new List<ApiProcess>();
        try
        {
            var a = await StartAsync(replicas, "a", Previous);
            var b = await StartAsync(replicas, "b", Previous);
            var targets = new[] { a.Client(), b.Client() };
            var load = new CheckedLoad(cluster, () => Volatile.Read(ref targets), "up");
            var running = load.RunAsync(Callers);
            await load.AnsweredAsync(30);

            var view = await ReplicasAsync(a);
            Assert.Equal(2, view["protocol"]!.GetValue<int>());
            Assert.False(view["features"]!.AsArray().Single()!["usable"]!.GetValue<bool>());
            await RefusedAsync(a, "node3");

            // Roll a: out of the load balancer, SIGTERM, started again as the current version.
            load.Phase = "a rolling";
            Volatile.Write(ref targets, [b.Client()]);
            await a.StopAsync();
            await load.AnsweredAsync(10);
            var a2 = await StartAsync(replicas, "a2", Current);
            Volatile.Write(ref targets, [a2.Client(), b.Client()]);
            load.Phase = "mixed";
            await load.AnsweredAsync(30);

            // Mixed versions: the membership stays as it is while b (version 2) is live, whoever is asked.
            var mixed = await ReplicasAsync(a2);
            Assert.Equal([2, 3], mixed["replicas"]!.AsArray().Select(r => r!["protocol"]!.GetValue<int>()).Order());
            var refusal = await RefusedAsync(a2, "node3");
            Assert.Contains("runs 2", refusal, StringComparison.Ordinal);

            // A rollback by the new version is journaled as v3 (its rollback record): the old replica leaves it alone.
            load.Phase = "node3 stopped";
            var rolledBack = await RollBackAsync(a2.Client(), "up-rollback");
            load.Phase = "mixed";
            var byOld = await b.Client().GetAsync($"/v1/operations/{rolledBack}").WaitAsync(Wait.Request);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, byOld.StatusCode);
            Assert.Equal(3, (await byOld.JsonAsync())["journalVersion"]!.GetValue<int>());
            Assert.Equal("RolledBack", (await (await a2.Client().GetAsync($"/v1/operations/{rolledBack}").WaitAsync(Wait.Request)).JsonAsync())["outcome"]!.GetValue<string>());
            await load.AnsweredAsync(20);

            // Roll b.
            load.Phase = "b rolling";
            Volatile.Write(ref targets, [a2.Client()]);
            await b.StopAsync();
            await load.AnsweredAsync(10);
            var b2 = await StartAsync(replicas, "b2", Current);
            Volatile.Write(ref targets, [a2.Client(), b2.Client()]);
            load.Phase = "current";
            await load.AnsweredAsync(30);

            // Every live replica at 3 (b withdrew its announcement on SIGTERM): the membership may change.
            Assert.Equal(3, (await ReplicasAsync(b2))["protocol"]!.GetValue<int>());
            var drained = await a2.Client().PostAsync("/v1/cluster/nodes/node3/drain", null).WaitAsync(Wait.Request);
            Assert.Equal(HttpStatusCode.OK, drained.StatusCode);
            var rejoined = await b2.Client().PostAsync("/v1/cluster/nodes/node3/rejoin", null).WaitAsync(Wait.Request);
            Assert.Equal(HttpStatusCode.Accepted, rejoined.StatusCode);
            await Wait.UntilAsync(async () =>
                (await (await a2.Client().GetAsync("/v1/cluster/membership").WaitAsync(Wait.Request)).JsonAsync())["members"]!.AsArray()
                    .All(m => m!["role"]!.GetValue<string>() == "Active"), TimeSpan.FromMinutes(3), "node3 active again");
            await load.AnsweredAsync(20);
            await load.StopAsync(running);

            Assert.Empty(load.Untrue);
            // No 500 from replicas of either version: an operation a replica's SIGTERM caught is answered 503 "Api
            // replica stopping" (ReplicaStoppingHandler), never 500 (seen in the CI rehearsal before that handler).
            foreach (var error in load.Answers.Where(a => a.Status == 500 || a.Why?.Contains("replica stopping", StringComparison.Ordinal) == true))
            {
                output.WriteLine($"{error.Status} ({error.Phase}) from {error.Replica}: {error.Why}");
            }

            var failed = load.Answers.Where(a => a.Status == 500).ToList();
            Assert.True(failed.Count == 0, $"500s: {string.Join("; ", failed.Take(5))}");
            foreach (var phase in load.Answers.GroupBy(a => a.Phase))
            {
                output.WriteLine($"{phase.Key}: {phase.Count()} answers, {phase.Count(a => a.Status is 200 or 201)} committed, "
                    + $"{phase.Count(a => a.Status is 404 or 409)} already so, {phase.Count(a => a.Status >= 500 || a.Status == 202)} not committed");
            }

            output.WriteLine($"requests with no answer (a replica going down): {load.Unanswered}");
            var consistency = await (await a2.Client().GetAsync("/v1/cluster/consistency").WaitAsync(Wait.Request)).JsonAsync();
            Assert.True(consistency["consistent"]!.GetValue<bool>(), consistency.ToJsonString());
        }
        finally
        {
            foreach (var replica in replicas)
            {
                output.WriteLine($"api-{replica.Name} ({replica.Address}) errors:\n{replica.Errors}");
                await replica.DisposeAsync();
            }

            await cluster.StartAsync("api");
        }
    }

    private async Task<ApiProcess> StartAsync(List<ApiProcess> replicas, string name, IReadOnlyDictionary<string, string> settings)
    {
        var replica = await ApiProcess.StartAsync(cluster, name, settings);
        replicas.Add(replica);
        return replica;
    }

    private static async Task<JsonNode> ReplicasAsync(ApiProcess api) =>
        await (await api.Client().GetAsync("/v1/cluster/replicas").WaitAsync(Wait.Request)).JsonAsync();

    private static async Task<string> RefusedAsync(ApiProcess api, string node)
    {
        var refused = await api.Client().PostAsync($"/v1/cluster/nodes/{node}/drain", null).WaitAsync(Wait.Request);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.JsonAsync();
        Assert.Equal("Older Api replicas are live", problem["title"]!.GetValue<string>());
        return problem["detail"]!.GetValue<string>();
    }

    // node3 stopped for one create: applied on node1 and node2, refused by node3, undone: RolledBack, with its record.
    private async Task<string> RollBackAsync(HttpClient api, string id)
    {
        await cluster.StopAsync("node3");
        try
        {
            var response = await api.PostGroupAsync(id).WaitAsync(Wait.Request);
            var body = await response.JsonAsync();
            Assert.Equal("RolledBack", body["outcome"]!.GetValue<string>());
            return body["operationId"]!.GetValue<string>();
        }
        finally
        {
            // Started again and reached by this replica (the AppHost's Api, which ClusterFixture.StartAsync asks, is stopped).
            await cluster.StartCommandAsync("node3");
            using var cts = new CancellationTokenSource(Wait.Resource);
            await cluster.App.ResourceNotifications.WaitForResourceHealthyAsync("node3", cts.Token);
            await Wait.UntilAsync(async () => (await (await api.GetAsync("/v1/cluster").WaitAsync(Wait.Request)).JsonAsync())["nodes"]!.AsArray()
                .Any(n => n!["name"]!.GetValue<string>() == "node3" && n["reachable"]!.GetValue<bool>()), Wait.Resource, "the replica reaches node3 again");
        }
    }
}
