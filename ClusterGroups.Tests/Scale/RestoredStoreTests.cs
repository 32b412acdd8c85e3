using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ClusterGroups.Contracts;
using ClusterGroups.Tests.Infrastructure;
using StackExchange.Redis;

namespace ClusterGroups.Tests.Scale;

// 200 000 groups per node put into the stores without the nodes, 1 000 of them missing on node3: no digest covers
// them. A report never calls data it did not see consistent: the nodes say their digests are stale (409), the Api
// lists them instead and finds the 1 000; a rebuild while writes go on makes the digests exact again
// (docs/ARCHITECTURE.md, "Node HTTP contract", digest rebuild).
[Collection(RestoredStoresCollection.Name)]
public sealed class RestoredStoreTests(RestoredStoresFixture cluster)
{
    private const int PerNode = 200_000;
    private static readonly TimeSpan Load = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Groups_written_straight_into_the_stores_are_never_called_consistent_and_a_rebuild_under_writes_makes_the_digests_exact()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var all = Enumerable.Range(0, PerNode).Select(i => $"r-{run}-{i}").ToArray();
        var missing = all.Where((_, i) => i % 200 == 0).ToHashSet();
        await Task.WhenAll(cluster.NodeNames.Select(node => FillAsync(node, node == "node3" ? all.Where(id => !missing.Contains(id)) : all)));

        // Each node says its digest does not cover its data.
        var stale = await cluster.Node("node3").GetAsync("/v1/digest").WaitAsync(Wait.Request);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var staleBody = await stale.JsonAsync();
        Assert.True(staleBody["stale"]!.GetValue<bool>());
        Assert.Equal(PerNode - missing.Count, staleBody["groups"]!.GetValue<long>());

        // The Api lists the nodes instead and finds exactly the 1 000.
        var api = cluster.Api();
        api.Timeout = Load;
        var report = await (await api.GetAsync("/v1/cluster/consistency").WaitAsync(Load)).JsonAsync();
        Assert.False(report["consistent"]!.GetValue<bool>(), report["summary"]?.ToJsonString());
        Assert.Equal(["node1", "node2", "node3"], report["staleDigests"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        AssertDivergent(report, missing, []);
        Assert.Equal(PerNode - missing.Count, report["counts"]!["node3"]!.GetValue<long>());

        // Rebuilds, with writers creating and deleting on node3 all along.
        using var stopWriters = new CancellationTokenSource();
        var left = new ConcurrentDictionary<string, bool>();
        var writers = Enumerable.Range(0, 4).Select(w => WriteAsync(cluster.Node("node3"), $"w-{run}-{w}", left, stopWriters.Token)).ToArray();
        var rebuilds = await Task.WhenAll(cluster.NodeNames.Select(async node =>
        {
            // The rebuild answers when done: on a loaded machine, longer than HttpClient's default 100 s.
            using var client = cluster.Node(node);
            client.Timeout = Load;
            using var answer = await client.PostAsync("/admin/digest/rebuild", null).WaitAsync(Load);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{node}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
            return await answer.JsonAsync();
        }));
        Assert.All(rebuilds, r => Assert.True(r["trusted"]!.GetValue<bool>(), r.ToJsonString()));
        Assert.Equal(PerNode, rebuilds[0]["added"]!.GetValue<int>());

        // While the writes go on, every digest read is trusted (the check is exact, not fooled by a write between two reads).
        for (var i = 0; i < 20; i++)
        {
            var digest = await cluster.Node("node3").GetAsync("/v1/digest").WaitAsync(Wait.Request);
            Assert.True(digest.StatusCode == HttpStatusCode.OK, await digest.Content.ReadAsStringAsync());
        }

        await stopWriters.CancelAsync();
        await Task.WhenAll(writers).WaitAsync(Wait.Request);
        Assert.NotEmpty(left);

        // node3's digest and bucket sets are exactly those of the groups it holds.
        await DigestCoversThePagesAsync(cluster.Node("node3"));

        // Compared by digest now: the same 1 000, and the writers' groups (on node3 only).
        var after = await (await api.GetAsync("/v1/cluster/consistency").WaitAsync(Load)).JsonAsync();
        Assert.Null(after["staleDigests"]);
        AssertDivergent(after, missing, [.. left.Keys]);
        Assert.Equal(PerNode + left.Count - missing.Count, after["counts"]!["node3"]!.GetValue<long>());
    }

    private async Task FillAsync(string node, IEnumerable<string> ids)
    {
        await using var store = await cluster.ConnectStoreAsync(node);
        var db = store.GetDatabase();
        // One batch at a time: a loaded store answers each within the client's timeout.
        foreach (var batch in ids.Chunk(1_000))
        {
            await db.HashSetAsync("groups", [.. batch.Select(id => new HashEntry(id, "~"))]).WaitAsync(Wait.Request);
        }
    }

    // Creates (and deletes one in three of) its own groups on the node until stopped; records those left.
    private static async Task WriteAsync(HttpClient node, string prefix, ConcurrentDictionary<string, bool> left, CancellationToken stop)
    {
        for (var k = 0; !stop.IsCancellationRequested; k++)
        {
            var id = $"{prefix}-{k}";
            Assert.Equal(HttpStatusCode.Created, (await node.PostGroupAsync(id)).StatusCode);
            if (k % 3 == 0)
            {
                Assert.Equal(HttpStatusCode.OK, (await node.DeleteGroupAsync(id)).StatusCode);
            }
            else
            {
                left[id] = true;
            }
        }
    }

    private static void AssertDivergent(JsonNode report, IReadOnlySet<string> missingOnNode3, IReadOnlyCollection<string> onlyOnNode3)
    {
        var divergent = report["divergent"]!.AsArray().ToDictionary(g => g!["groupId"]!.GetValue<string>(), g => g!);
        Assert.Equal(missingOnNode3.Concat(onlyOnNode3).Order(StringComparer.Ordinal), divergent.Keys.Order(StringComparer.Ordinal));
        Assert.All(missingOnNode3, id => Assert.Equal(["node3"], divergent[id]["missingOn"]!.AsArray().Select(n => n!.GetValue<string>())));
        Assert.All(onlyOnNode3, id => Assert.Equal(["node3"], divergent[id]["presentOn"]!.AsArray().Select(n => n!.GetValue<string>())));
    }

    private static async Task DigestCoversThePagesAsync(HttpClient node)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = "0";
        while (cursor is not null)
        {
            var page = await (await node.GetAsync($"/v1/groups?cursor={cursor}&limit=10000").WaitAsync(Wait.Request)).JsonAsync();
            seen.UnionWith(page["groups"]!.AsArray().Select(g => g!["groupId"]!.GetValue<string>()));
            cursor = page["next"]?.GetValue<string>();
        }

        var digest = (await node.GetFromJsonAsync<NodeDigest>("/v1/digest").WaitAsync(Wait.Request))!;
        var computed = GroupBuckets.Compute("node3", seen);
        Assert.Equal(seen.Count, digest.Total);
        Assert.Equal(computed.Counts, digest.Counts);
        Assert.Equal(computed.Hashes, digest.Hashes);
        foreach (var bucket in new[] { 0, 511, 1023 })
        {
            var ids = (await node.GetFromJsonAsync<NodeBucket>($"/v1/digest/{bucket}").WaitAsync(Wait.Request))!.GroupIds;
            Assert.Equal(seen.Where(id => GroupBuckets.Of(id) == bucket).Order(StringComparer.Ordinal), ids);
        }
    }
}
