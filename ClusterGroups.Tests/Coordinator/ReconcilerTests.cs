using ClusterGroups.Tests.Chaos;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Coordinator;

[Collection(ChaosCollection.Name)]
public sealed class ReconcilerTests(ChaosClusterFixture cluster)
{
    [Fact]
    public async Task Divergence_the_journal_explains_is_repaired_and_the_rest_only_by_an_explicit_policy()
    {
        var api = cluster.Api();
        string explained = $"rx-{Guid.NewGuid():N}", unexplained = $"ru-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await api.PostGroupAsync(explained)).StatusCode);
        await cluster.Node("node2").DeleteGroupAsync(explained);   // someone removes it behind the Api's back
        await cluster.Node("node1").PostGroupAsync(unexplained);   // someone writes to one node directly

        var consistency = await (await api.GetAsync("/v1/cluster/consistency")).JsonAsync();
        Assert.False(consistency["consistent"]!.GetValue<bool>());
        var divergent = consistency["divergent"]!.AsArray();
        var known = divergent.Single(g => g!["groupId"]!.GetValue<string>() == explained)!;
        Assert.Equal(["node2"], known["missingOn"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("Committed", known["lastOperation"]!["outcome"]!.GetValue<string>());
        Assert.Null(divergent.Single(g => g!["groupId"]!.GetValue<string>() == unexplained)!["lastOperation"]);

        var report = await (await api.PostAsync("/v1/cluster/reconcile", null)).JsonAsync();
        Assert.Contains(report["repaired"]!.AsArray(), r => r!["groupId"]!.GetValue<string>() == explained);
        Assert.Contains(report["unexplained"]!.AsArray(), r => r!["groupId"]!.GetValue<string>() == unexplained);
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(explained));
        Assert.Equal(["node1"], await cluster.WhereAsync(unexplained));

        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsync("/v1/cluster/reconcile?policy=whatever", null)).StatusCode);
        var forced = await (await api.PostAsync("/v1/cluster/reconcile?policy=absence-wins", null)).JsonAsync();
        Assert.Contains(forced["repaired"]!.AsArray(), r => r!["groupId"]!.GetValue<string>() == unexplained);
        Assert.Empty(await cluster.WhereAsync(unexplained));
        Assert.True(forced["consistent"]!.GetValue<bool>(), forced.ToJsonString());
    }

    // What every node got wrong alike (someone deletes a committed group from all of them, or puts a deleted one back
    // on all of them) is invisible to a comparison of the nodes with each other; the audit compares them with the
    // journal's desired state (journal=true) and the reconciler repairs it through the protocol.
    [Fact]
    public async Task A_difference_every_node_shares_is_found_and_repaired_only_against_the_journal()
    {
        var api = cluster.Api();
        string lost = $"rl-{Guid.NewGuid():N}", back = $"rb-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await api.PostGroupAsync(lost)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await api.PostGroupAsync(back)).StatusCode);
        Assert.True((await api.DeleteGroupAsync(back)).IsSuccessStatusCode);
        foreach (var node in new[] { "node1", "node2", "node3" })
        {
            await cluster.Node(node).DeleteGroupAsync(lost);   // behind the Api's back, on every node
            await cluster.Node(node).PostGroupAsync(back);
        }

        static IEnumerable<string?> Ids(System.Text.Json.Nodes.JsonNode report, string list) =>
            report[list]!.AsArray().Select(g => g!["groupId"]!.GetValue<string>());

        var plain = await (await api.GetAsync("/v1/cluster/consistency")).JsonAsync();
        Assert.DoesNotContain(lost, Ids(plain, "divergent"));
        Assert.DoesNotContain(back, Ids(plain, "divergent"));

        var audit = await (await api.GetAsync("/v1/cluster/consistency?journal=true")).JsonAsync();
        Assert.False(audit["consistent"]!.GetValue<bool>());
        var gone = audit["divergent"]!.AsArray().Single(g => g!["groupId"]!.GetValue<string>() == lost)!;
        Assert.Equal(["node1", "node2", "node3"], gone["missingOn"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.True(gone["desired"]!["present"]!.GetValue<bool>());
        var kept = audit["divergent"]!.AsArray().Single(g => g!["groupId"]!.GetValue<string>() == back)!;
        Assert.Equal(["node1", "node2", "node3"], kept["presentOn"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.False(kept["desired"]!["present"]!.GetValue<bool>());

        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/v1/cluster/consistency?journal=maybe")).StatusCode);
        var report = await (await api.PostAsync("/v1/cluster/reconcile?journal=true", null)).JsonAsync();
        Assert.Contains(lost, Ids(report, "repaired"));
        Assert.Contains(back, Ids(report, "repaired"));
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(lost));
        Assert.Empty(await cluster.WhereAsync(back));
    }

    // The dashboard's buttons are the AppHost's HTTP commands on the api resource: "Reconcile now" compares the nodes
    // with each other only, "Audit against the journal" (reconcile-journal) adds ?journal=true, so only the latter
    // puts back a committed group every node lost.
    [Fact]
    public async Task The_dashboards_audit_command_repairs_what_every_node_lost_and_reconcile_now_does_not()
    {
        var api = cluster.Api();
        var lost = $"rd-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await api.PostGroupAsync(lost)).StatusCode);
        foreach (var node in new[] { "node1", "node2", "node3" })
        {
            await cluster.Node(node).DeleteGroupAsync(lost);
        }

        using var cts = new CancellationTokenSource(Wait.Request);
        var reconcile = await cluster.App.ResourceCommands.ExecuteCommandAsync("api", "reconcile", cts.Token);
        Assert.True(reconcile.Success, reconcile.Message);
        Assert.Empty(await cluster.WhereAsync(lost));

        var audit = await cluster.App.ResourceCommands.ExecuteCommandAsync("api", "reconcile-journal", cts.Token);
        Assert.True(audit.Success, audit.Message);
        Assert.Equal(["node1", "node2", "node3"], await cluster.WhereAsync(lost));
    }
}
