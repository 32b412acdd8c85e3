using System.Net.Http.Json;
using System.Text.Json;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Maintenance;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Contracts;
using ClusterGroups.UnitTests.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace ClusterGroups.UnitTests.Maintenance;

// The bulk copy to a joining node (JoiningCopy; docs/ARCHITECTURE.md, "Membership", "Bulk backfill"), through the
// Api's own wiring (AddFanOut: NodeClient, the digests, the in-memory coordinator) to three nodes' real routes and
// scripts on the test server: n1 and n2 active, n3 joining.
public sealed class JoiningCopyTests
{
    private static readonly TimeSpan Box = TimeSpan.FromSeconds(30);
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly string[] Names = ["n1.test", "n2.test", "n3.test"];

    [Fact]
    public async Task The_joining_node_gets_what_every_active_node_holds_and_no_group_an_operation_wrote_there_since()
    {
        await using var rig = await Rig.StartAsync();
        var groups = Enumerable.Range(0, 600).Select(i => $"g{i}").ToList();
        await rig.WriteAsync(0, [.. groups, "only-n1"]);
        await rig.WriteAsync(1, groups);
        await rig.WriteAsync(2, ["stale-on-n3"]);

        // An operation's delete of g7 reached n3 (token 10) after n3 joined: the copy must not put g7 back there.
        await rig.WriteAsync(2, ["g7"], NodeBatch.Delete, token: 10, key: "op-late");
        // An operation on g3 is open (its writes may be on their way): g3 is left to it and to the reconciler.
        var open = new OperationState(new Operation("op-open", OperationKind.Delete, "g3"), Names.Select(n => new NodeProgress(n))) { Epoch = 2 };
        open.Lease("another-replica", 20, DateTimeOffset.UtcNow);
        Assert.IsType<LeaseAnswer.Taken>(await rig.Coordinator.AcquireAsync(new LeaseRequest("g3", "another-replica", 20, TimeSpan.FromMinutes(5)), open, None));

        var result = await rig.Copy.RunAsync(await rig.Membership.RefreshAsync(None), None).WaitAsync(Box);

        var n3 = await rig.GroupsAsync(2);
        Assert.Equal(groups.Except(["g3", "g7"]).Order(StringComparer.Ordinal), n3.Order(StringComparer.Ordinal));
        Assert.Equal(598 + 1, result.Copied); // 598 creates and the delete of stale-on-n3
        Assert.Equal(1, result.Fenced);       // g7
        Assert.Equal(0, result.Failed);
        Assert.Equal(2, result.Left);         // g3 (an operation open on it), only-n1 (the active nodes differ)
        Assert.Equal(groups.Append("only-n1").Order(StringComparer.Ordinal), (await rig.GroupsAsync(0)).Order(StringComparer.Ordinal));

        // A copy sent late (a batch held on its way) is refused wherever an operation has written since.
        var late = await rig.WriteAsync(2, ["g7"], NodeBatch.Create, token: JoiningCopy.Token);
        Assert.Equal(409, late.Single());
        Assert.DoesNotContain("g7", await rig.GroupsAsync(2));
    }

    [Fact]
    public async Task Nothing_is_copied_to_a_node_that_is_not_joining()
    {
        await using var rig = await Rig.StartAsync(joining: false);
        await rig.WriteAsync(0, ["g1"]);
        await rig.WriteAsync(1, ["g1"]);

        var result = await rig.Copy.RunAsync(await rig.Membership.RefreshAsync(None), None).WaitAsync(Box);

        Assert.Equal(JoiningCopyResult.Nothing, result);
        Assert.Empty(await rig.GroupsAsync(2));
    }

    private sealed class Rig : IAsyncDisposable
    {
        private readonly InProcessNode[] _nodes;
        private readonly ServiceProvider _services;

        private Rig(InProcessNode[] nodes, ServiceProvider services) => (_nodes, _services) = (nodes, services);

        public JoiningCopy Copy => _services.GetRequiredService<JoiningCopy>();
        public ClusterMembership Membership => _services.GetRequiredService<ClusterMembership>();
        public ICoordinator Coordinator => _services.GetRequiredService<ICoordinator>();

        // n3 drained (epoch 1), then joining (epoch 2); or only drained.
        public static async Task<Rig> StartAsync(bool joining = true)
        {
            var nodes = new InProcessNode[Names.Length];
            for (var i = 0; i < nodes.Length; i++)
            {
                nodes[i] = await InProcessNode.StartAsync($"n{i + 1}", new FakeTimeProvider());
            }

            var settings = new Dictionary<string, string?>
            {
                ["Cluster:Resilience:AttemptTimeout"] = "00:00:05",
                ["Cluster:Resilience:BreakerMinimumThroughput"] = "1000",
            };
            for (var i = 0; i < Names.Length; i++)
            {
                settings[$"Cluster:Nodes:{i}"] = $"http://{Names[i]}";
                settings[$"Cluster:Dialects:{Names[i]}"] = "keyed";
            }

            var router = new HostRouter(Names.Zip(nodes, (name, node) => (name, node.Handler)));
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddFanOut(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
            services.AddSingleton<JoiningCopy>();
            foreach (var client in (string[])[NodeClient.HttpClientName, NodeClient.ReadsClientName])
            {
                services.AddHttpClient(client).ConfigurePrimaryHttpMessageHandler(() => router).SetHandlerLifetime(Timeout.InfiniteTimeSpan);
            }

            var rig = new Rig(nodes, services.BuildServiceProvider());
            var drained = Api.Model.Membership.Initial(Names).With("n3.test", MemberRole.Out);
            Assert.True(await rig.Coordinator.ChangeMembershipAsync(drained, 0, None));
            if (joining)
            {
                Assert.True(await rig.Coordinator.ChangeMembershipAsync(drained.With("n3.test", MemberRole.Joining), 0, None));
            }

            return rig;
        }

        // Writes straight to one node (as a bulk load or an operation's write would have), in batches; each item's status.
        public async Task<int[]> WriteAsync(int node, IReadOnlyList<string> ids, string kind = NodeBatch.Create, long? token = null, string? key = null)
        {
            var statuses = new List<int>();
            foreach (var chunk in ids.Chunk(NodeBatch.MaxItems))
            {
                var items = chunk.Select(id => new NodeBatchItem(kind, id, key, token)).ToList();
                using var response = await _nodes[node].Client.PostAsJsonAsync(NodeBatch.Route, new NodeBatchRequest(items), JsonSerializerOptions.Web).WaitAsync(Box);
                response.EnsureSuccessStatusCode();
                var answer = await response.Content.ReadFromJsonAsync<NodeBatchResponse>(JsonSerializerOptions.Web).WaitAsync(Box);
                statuses.AddRange(answer!.Items.Select(i => i.Status));
            }

            return [.. statuses];
        }

        public async Task<IReadOnlyList<string>> GroupsAsync(int node)
        {
            var list = await _nodes[node].Client.GetFromJsonAsync<JsonElement>("/v1/groups").WaitAsync(Box);
            return [.. list.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("groupId").GetString()!)];
        }

        public async ValueTask DisposeAsync()
        {
            await _services.DisposeAsync();
            foreach (var node in _nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    // Sends each request to the test server of the node its host names (shared by concurrent requests: read-only).
    private sealed class HostRouter(IEnumerable<(string Host, HttpMessageHandler Handler)> nodes) : HttpMessageHandler
    {
        private readonly Dictionary<string, HttpMessageInvoker> _nodes =
            nodes.ToDictionary(n => n.Host, n => new HttpMessageInvoker(n.Handler), StringComparer.OrdinalIgnoreCase);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _nodes[request.RequestUri!.Host].SendAsync(request, cancellationToken);
    }
}
