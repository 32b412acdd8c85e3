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
}
