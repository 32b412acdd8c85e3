using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Cluster;

public sealed class FiveNodeClusterFixture : ClusterFixture
{
    public override int NodeCount => 5;
}

[CollectionDefinition(Name)]
public sealed class FiveNodeCollection : ICollectionFixture<FiveNodeClusterFixture>
{
    public const string Name = "cluster (5 nodes)";
}

[Collection(FiveNodeCollection.Name)]
public sealed class ClusterSizeTests(FiveNodeClusterFixture cluster)
{
    [Fact]
    public async Task Cluster_Nodes_5_starts_five_nodes_and_the_api_lists_them_all()
    {
        var view = await (await cluster.Api().GetAsync("/v1/cluster").WaitAsync(Wait.Request)).JsonAsync();
        var nodes = view["nodes"]!.AsArray();
        Assert.Equal(["node1", "node2", "node3", "node4", "node5"], nodes.Select(n => n!["name"]!.GetValue<string>()));
        Assert.All(nodes, n => Assert.True(n!["reachable"]!.GetValue<bool>()));
        Assert.Equal(5, view["reachableCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task Delete_all_removes_every_group_of_that_node_only()
    {
        var id = $"w-{Guid.NewGuid():N}";
        var node5 = cluster.Node("node5");
        await node5.PostGroupAsync(id);
        await cluster.Node("node4").PostGroupAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await node5.DeleteAsync("/v1/groups/").WaitAsync(Wait.Request)).StatusCode);
        Assert.Empty(await node5.GroupIdsAsync());
        Assert.Contains(id, await cluster.Node("node4").GroupIdsAsync());
    }
}
