using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Security;

// Every /v1 route of the Api and every write or admin route of a node refuses a missing or wrong key with a 401
// problem, and changes nothing; the keys never appear in any resource's logs.
[Collection(ClusterCollection.Name)]
public sealed class KeyTests(ClusterFixture cluster)
{
    public static TheoryData<string, string> ApiRoutes => new()
    {
        { "POST", "/v1/group/" }, { "DELETE", "/v1/group/" }, { "DELETE", "/v1/group/k1" }, { "GET", "/v1/group/k1" },
        { "GET", "/v1/groups" }, { "GET", "/v1/cluster" }, { "GET", "/v1/cluster/consistency" }, { "POST", "/v1/cluster/reconcile" },
        { "GET", "/v1/operations" }, { "GET", "/v1/operations/op-1" },
    };

    public static TheoryData<string, string> NodeRoutes => new()
    {
        { "POST", "/v1/group/" }, { "DELETE", "/v1/group/" }, { "DELETE", "/v1/groups/" },
        { "GET", "/admin/chaos" }, { "PUT", "/admin/chaos" }, { "POST", "/admin/chaos/unstable" }, { "POST", "/admin/chaos/stable" },
        { "POST", "/admin/chaos/fail-next" }, { "POST", "/admin/chaos/fail-next-delete" },
    };

    [Theory]
    [MemberData(nameof(ApiRoutes))]
    public async Task Api_routes_need_a_valid_key(string method, string path)
    {
        var before = await cluster.SnapshotAsync();
        foreach (var key in new[] { null, "wrong", cluster.ClusterKey })
        {
            var client = cluster.ApiAnonymous();
            if (key is not null)
            {
                client.DefaultRequestHeaders.Add(SecurityHeaders.ApiKey, key);
            }

            var response = await client.SendRawAsync(new HttpMethod(method), path, "{\"groupId\": \"k1\"}");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(before, await cluster.SnapshotAsync());
        Assert.Equal(HttpStatusCode.OK, (await cluster.ApiAnonymous().GetAsync("/health").WaitAsync(Wait.Request)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(NodeRoutes))]
    public async Task Node_writes_and_admin_need_the_cluster_key(string method, string path)
    {
        var before = await cluster.SnapshotAsync();
        foreach (var key in new[] { null, "wrong", cluster.ApiKey })
        {
            var client = cluster.NodeAnonymous("node1");
            if (key is not null)
            {
                client.DefaultRequestHeaders.Add(SecurityHeaders.ClusterKey, key);
            }

            var body = path.StartsWith("/admin", StringComparison.Ordinal) ? "{\"faultRate\": 1}" : "{\"groupId\": \"k1\"}";
            var response = await client.SendRawAsync(new HttpMethod(method), path, body);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(before, await cluster.SnapshotAsync());
        var chaos = await (await cluster.Node("node1").GetAsync("/admin/chaos").WaitAsync(Wait.Request)).JsonAsync();
        Assert.Equal(0, chaos["settings"]!["faultRate"]!.GetValue<double>());
        // Reads stay open, as the seed's contract has them.
        Assert.Equal(HttpStatusCode.OK, (await cluster.NodeAnonymous("node1").GetAsync("/v1/groups").WaitAsync(Wait.Request)).StatusCode);
    }

    [Fact]
    public async Task No_key_ever_appears_in_the_logs()
    {
        var id = $"log-{Guid.NewGuid():N}";
        await cluster.Api().PostGroupAsync(id);
        await cluster.Api().DeleteGroupAsync(id);
        await cluster.ApiAnonymous().PostGroupAsync(id);
        Assert.NotEmpty(cluster.Logs);
        Assert.DoesNotContain(cluster.Logs, line => line.Contains(cluster.ApiKey, StringComparison.Ordinal));
        Assert.DoesNotContain(cluster.Logs, line => line.Contains(cluster.ClusterKey, StringComparison.Ordinal));
    }
}
