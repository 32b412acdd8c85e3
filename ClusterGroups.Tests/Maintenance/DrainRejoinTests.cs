using System.Net;
using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Maintenance;

// A node taken out for maintenance and brought back, under a steady load from several callers (README, "Maintenance"):
// drained, stopped, wiped and started again, rejoined, backfilled while writes go on, active again. Every answer is
// checked against the nodes it names at the moment it is given; no write may be refused for the node's absence once it
// is drained; the node is never read as truth before it equals the others; at the end every node holds the same groups.
[Collection(MaintenanceCollection.Name)]
public sealed class DrainRejoinTests(MaintenanceFixture cluster, ITestOutputHelper output)
{
    private const string Node = "node3";
    private const int Callers = 4;

    [Fact]
    public async Task A_drained_node_is_stopped_wiped_and_rejoined_under_load_with_every_answer_true_and_no_write_refused()
    {
        var api = cluster.Api();
        // Groups written before the maintenance: the backfill must bring them to the wiped node.
        var before = Enumerable.Range(0, 40).Select(i => $"mt-pre-{i}").ToArray();
        foreach (var id in before)
        {
            Assert.Equal(HttpStatusCode.Created, (await api.PostGroupAsync(id).WaitAsync(Wait.Request)).StatusCode);
        }

        var apis = Enumerable.Range(0, Callers).Select(_ => cluster.Api()).ToArray();
        var load = new CheckedLoad(cluster, () => apis, "mt");
        var running = load.RunAsync(Callers);
        await load.AnsweredAsync(20);

        // Today's behaviour without a drain, for the figure: node3 stopped, every write fails or stays pending.
        load.Phase = "down, not drained";
        await cluster.StopAsync(Node);
        await load.AnsweredAsync(12);
        load.Phase = "in";
        await cluster.StartAsync(Node);
        await load.AnsweredAsync(8);

        // Drain: from its epoch on, operations leave node3 out.
        var drained = await (await api.PostAsync($"/v1/cluster/nodes/{Node}/drain", null).WaitAsync(Wait.Request)).JsonAsync();
        Assert.Equal("Out", Role(drained["membership"]!, Node));
        Assert.Empty(drained["open"]!.AsArray());
        var drainedAt = drained["membership"]!["epoch"]!.GetValue<long>();

        // Stopped and wiped while writes go on: none refused for its absence.
        load.Phase = "out";
        await cluster.StopAsync(Node);
        await load.AnsweredAsync(40);
        // Wiped: its store emptied (groups, key records, tokens, digests), as a node rebuilt from nothing.
        var connection = await cluster.App.GetConnectionStringAsync(Node.Replace("node", "store", StringComparison.Ordinal)).AsTask().WaitAsync(Wait.Request);
        await using (var store = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{connection},allowAdmin=true").WaitAsync(Wait.Request))
        {
            await store.GetServers()[0].FlushAllDatabasesAsync().WaitAsync(Wait.Request);
        }

        await cluster.StartAsync(Node);
        await load.AnsweredAsync(20);

        // Rejoin: written at once, backfilled, active once equal; never read as truth before.
        load.Phase = "joining";
        var rejoined = await api.PostAsync($"/v1/cluster/nodes/{Node}/rejoin", null).WaitAsync(Wait.Request);
        Assert.Equal(HttpStatusCode.Accepted, rejoined.StatusCode);
        var joinedAt = (await rejoined.JsonAsync())["epoch"]!.GetValue<long>();
        await Wait.UntilAsync(async () =>
        {
            var group = await (await api.GetAsync($"/v1/group/{before[0]}").WaitAsync(Wait.Request)).JsonAsync();
            var membership = await (await api.GetAsync("/v1/cluster/membership").WaitAsync(Wait.Request)).JsonAsync();
            if (Role(membership, Node) == "Active")
            {
                return true;
            }

            // While joining, reads name only the active nodes.
            var read = group["presentOn"]!.AsArray().Concat(group["missingOn"]!.AsArray()).Select(n => n!.GetValue<string>());
            Assert.DoesNotContain(Node, read);
            return false;
        }, TimeSpan.FromMinutes(3), $"{Node} active again");
        load.Phase = "active";
        await load.AnsweredAsync(20);
        await load.StopAsync(running);

        // Every node equal: the groups written before, during and after the maintenance.
        var groups = await Task.WhenAll(cluster.NodeNames.Select(n => cluster.Node(n).GroupIdsAsync()));
        Assert.Equal(groups[0].Order(StringComparer.Ordinal), groups[1].Order(StringComparer.Ordinal));
        Assert.Equal(groups[0].Order(StringComparer.Ordinal), groups[2].Order(StringComparer.Ordinal));
        Assert.Superset(before.ToHashSet(), groups[2]);
        var consistency = await (await api.GetAsync("/v1/cluster/consistency").WaitAsync(Wait.Request)).JsonAsync();
        Assert.True(consistency["consistent"]!.GetValue<bool>(), consistency.ToJsonString());

        Assert.Empty(load.Untrue);
        Assert.Equal(0, load.Unanswered);
        var refused = load.Answers.Where(a => a.Phase is "out" or "joining" or "active" && a.Status is not (200 or 201 or 404 or 409)).ToList();
        Assert.True(refused.Count == 0, $"refused while {Node} was out or joining: {string.Join("; ", refused.Take(10))}");
        // While out, the answers cover the two other nodes and name the drain's epoch (or a later one).
        Assert.All(load.Answers.Where(a => a.Phase == "out" && a.Epoch >= drainedAt && a.Epoch < joinedAt), a => Assert.DoesNotContain(Node, a.Nodes));
        output.WriteLine($"node reads not made (the node had just been stopped): {load.Unchecked}");
        foreach (var phase in load.Answers.GroupBy(a => a.Phase))
        {
            output.WriteLine($"{phase.Key}: {phase.Count()} answers, {phase.Count(a => a.Status is 200 or 201)} committed, "
                + $"{phase.Count(a => a.Status is 404 or 409)} already so, {phase.Count(a => a.Status >= 500 || a.Status == 202)} not committed");
        }
    }

    private static string? Role(JsonNode membership, string node) =>
        membership["members"]!.AsArray().FirstOrDefault(m => m!["name"]!.GetValue<string>() == node)?["role"]!.GetValue<string>();
}
