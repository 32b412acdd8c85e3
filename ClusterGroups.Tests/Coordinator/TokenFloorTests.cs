using System.Globalization;
using ClusterGroups.Contracts;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Coordinator;

// Issue 23, "a token below what a node has seen", with real processes: node2 has seen, for the group, a token an hour
// above what the coordinator hands out (what a coordinator whose clock ran ahead, then stepped back, leaves behind).
// Before, every create of the group was refused there and answered "taken over by another Api replica", the group
// blocked for good; now the Api takes a token above node2's, learns every node under it, and answers what it made true.
[Collection(ClusterCollection.Name)]
public sealed class TokenFloorTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_node_that_has_seen_a_token_above_the_coordinators_does_not_block_the_group()
    {
        var id = $"floor-{Guid.NewGuid():N}"[..20];
        var ahead = (DateTimeOffset.UtcNow.AddHours(1) - DateTimeOffset.UnixEpoch).Ticks / 10;
        using (var abort = new HttpRequestMessage(HttpMethod.Post, $"/v1/group/{id}/abort"))
        {
            abort.Headers.Add(NodeHeaders.IdempotencyKey, $"{id}-elsewhere");
            abort.Headers.Add(NodeHeaders.FencingToken, ahead.ToString(CultureInfo.InvariantCulture));
            var fenced = await cluster.Node("node2").SendAsync(abort).WaitAsync(Wait.Request);
            Assert.True(fenced.IsSuccessStatusCode, $"abort on node2: {(int)fenced.StatusCode}");
        }

        var api = cluster.Api();
        // node2 refuses the first token; the operation is taken over above node2's and learned anew: node1 and node3
        // applied, node2 did not, so it is rolled back, and the answer says so when the nodes hold nothing.
        var first = await api.PostGroupAsync(id);
        var body = await first.JsonAsync();
        var where = await cluster.WhereAsync(id);
        var said = $"answered {(int)first.StatusCode} {body["outcome"]} ({body["summary"]}), group on [{string.Join(", ", where)}]";
        Assert.True(first.StatusCode == HttpStatusCode.ServiceUnavailable && body["outcome"]?.GetValue<string>() == "RolledBack", said);
        Assert.True(where.Length == 0, said);

        // The group's token is above node2's now: the next create commits.
        var second = await api.PostGroupAsync(id);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(3, (await cluster.WhereAsync(id)).Length);
        Assert.Equal(HttpStatusCode.OK, (await api.DeleteGroupAsync(id)).StatusCode);
    }
}
