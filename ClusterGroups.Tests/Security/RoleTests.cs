using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Security;

// Least privilege for callers (README "Roles"): a read key reads and nothing else, a write key (also in the form of
// earlier versions, Api:Keys:<name>=<key>) creates and deletes, only an admin key repairs destructively. Refusals are
// 403 problems that change nothing.
[Collection(SecureClusterCollection.Name)]
public sealed class RoleTests(SecureClusterFixture cluster)
{
    public static TheoryData<string, string> WriteRoutes => new()
    {
        { "POST", "/v1/group/" }, { "DELETE", "/v1/group/" }, { "DELETE", "/v1/group/{id}" },
    };

    public static TheoryData<string, string> AdminRoutes => new()
    {
        { "POST", "/v1/cluster/reconcile?policy=presence-wins" },
        { "POST", "/v1/cluster/reconcile?policy=absence-wins" },
        { "POST", "/v1/cluster/reconcile?policy=majority" },
        // Membership changes: once open to a read key (they went by the reconcile policy, which has no ?policy= here).
        { "POST", "/v1/cluster/nodes/node1/drain" },
        { "POST", "/v1/cluster/nodes/node1/rejoin" },
        { "POST", "/v1/cluster/nodes" },
        { "DELETE", "/v1/cluster/nodes/node1" },
    };

    public static TheoryData<string, string> ReadRoutes => new()
    {
        { "GET", "/v1/groups" }, { "GET", "/v1/cluster" }, { "GET", "/v1/cluster/consistency" }, { "GET", "/v1/operations" },
        { "GET", "/v1/cluster/membership" }, { "GET", "/v1/caller" },
        { "POST", "/v1/cluster/reconcile" }, { "POST", "/v1/cluster/reconcile?policy=report" },
    };

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    [MemberData(nameof(AdminRoutes))]
    public async Task A_read_key_gets_403_on_every_write_and_admin_route_and_nothing_changes(string method, string path)
    {
        // A group on one node only, written there directly: the journal cannot explain it, so only a destructive
        // reconcile would change it (the background reconciler leaves it alone), and a write would too.
        var id = $"role-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await cluster.Node("node1").PostGroupAsync(id)).StatusCode);
        var before = await cluster.SnapshotAsync();

        var response = await cluster.Api(cluster.ReadKey).SendRawAsync(new HttpMethod(method), path.Replace("{id}", id, StringComparison.Ordinal),
            $"{{\"groupId\": \"{id}\"}}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(path.Contains("reconcile", StringComparison.Ordinal) || path.Contains("/nodes", StringComparison.Ordinal) ? "admin role" : "write role",
            (await response.JsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await cluster.SnapshotAsync());
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task A_write_key_gets_403_on_destructive_repairs(string method, string path)
    {
        var response = await cluster.Api(cluster.WriteKey).SendRawAsync(new HttpMethod(method), path, null);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [MemberData(nameof(ReadRoutes))]
    public async Task A_read_key_reads(string method, string path)
    {
        var response = await cluster.Api(cluster.ReadKey).SendRawAsync(new HttpMethod(method), path, null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_write_key_in_the_old_form_creates_and_deletes_and_admin_keys_repair()
    {
        var id = $"role-{Guid.NewGuid():N}";
        var writer = cluster.Api(cluster.WriteKey);
        Assert.Equal(HttpStatusCode.Created, (await writer.PostGroupAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await writer.DeleteGroupAsync(id)).StatusCode);

        // A group on one node only: presence-wins, by an admin key (from the SecretsFile, and the AppHost's default), puts it everywhere.
        foreach (var admin in new[] { cluster.AdminKey, cluster.ApiKey })
        {
            var orphan = $"role-{Guid.NewGuid():N}";
            Assert.Equal(HttpStatusCode.Created, (await cluster.Node("node1").PostGroupAsync(orphan)).StatusCode);
            var repair = await cluster.Api(admin).SendRawAsync(HttpMethod.Post, "/v1/cluster/reconcile?policy=presence-wins", null);
            Assert.Equal(HttpStatusCode.OK, repair.StatusCode);
            foreach (var node in cluster.NodeNames)
            {
                Assert.Contains(orphan, await cluster.Node(node).GroupIdsAsync());
            }
        }
    }
}
