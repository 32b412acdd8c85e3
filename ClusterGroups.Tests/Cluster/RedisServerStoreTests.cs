using ClusterGroups.AppHost.Cluster;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Cluster;

// The same node contract on Cluster:Store=redis-server. CI installs redis-server (.ci/run); on a machine without it
// these tests report themselves skipped with the install command, unless CI is set, where they must run.
public sealed class RedisServerClusterFixture : ClusterFixture
{
    public static bool Available => StorePreflight.FindOnPath("redis-server") is not null;
    public override int NodeCount => 2;
    protected override string StoreKind => "redis-server";

    // In CI redis-server must be there (.ci/run installs it); elsewhere a test without it reports itself skipped.
    public static void Require()
    {
        if (Environment.GetEnvironmentVariable("CI") is "true")
        {
            Assert.True(Available, "CI must have redis-server on PATH (.ci/run installs it).");
        }

        Skip.IfNot(Available, "redis-server is not on PATH: apt-get install -y redis-server");
    }

    public override async Task InitializeAsync()
    {
        if (Available)
        {
            await base.InitializeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RedisServerCollection : ICollectionFixture<RedisServerClusterFixture>
{
    public const string Name = "cluster (redis-server stores)";
}

[Collection(RedisServerCollection.Name)]
public sealed class RedisServerStoreTests(RedisServerClusterFixture cluster)
{
    [SkippableFact]
    public async Task Node_contract_holds_on_redis_server_stores()
    {
        RedisServerClusterFixture.Require();
        var node = cluster.Node("node1");
        var id = $"r-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await node.PostGroupAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await node.PostGroupAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await node.GetAsync($"/v1/group/{id}/").WaitAsync(Wait.Request)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Node("node2").GetAsync($"/v1/group/{id}").WaitAsync(Wait.Request)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await node.DeleteGroupAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.DeleteGroupAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await node.SendRawAsync(HttpMethod.Post, "/v1/group/", "{\"groupId\": 1}")).StatusCode);
    }

    [SkippableFact]
    public async Task Twenty_concurrent_creates_give_one_201_on_redis_server()
    {
        RedisServerClusterFixture.Require();
        var id = $"r-{Guid.NewGuid():N}";
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => cluster.Node("node2").PostGroupAsync(id)));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
    }

    [SkippableFact]
    public async Task Api_commits_across_redis_server_nodes()
    {
        RedisServerClusterFixture.Require();
        var id = $"r-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await cluster.Api().PostGroupAsync(id)).StatusCode);
        Assert.Contains(id, await cluster.Node("node1").GroupIdsAsync());
        Assert.Contains(id, await cluster.Node("node2").GroupIdsAsync());
    }

    [SkippableFact]
    public async Task Groups_survive_a_restart_of_a_redis_server_store()
    {
        RedisServerClusterFixture.Require();
        var id = $"r-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await cluster.Node("node1").PostGroupAsync(id)).StatusCode);
        await cluster.StopAsync("store1");
        await cluster.StartAsync("store1");
        await Wait.UntilAsync(async () => (await cluster.Node("node1").GetAsync($"/v1/group/{id}/")).StatusCode == HttpStatusCode.OK,
            Wait.Resource, $"{id} readable on node1 after its redis-server restarted");
    }
}
