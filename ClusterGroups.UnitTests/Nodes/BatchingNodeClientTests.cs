using System.Collections.Concurrent;
using System.Text.Json;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace ClusterGroups.UnitTests.Nodes;

// The Api's natural batching toward a keyed node (BatchingNodeClient, NodeWriteQueue), through the Api's own wiring
// (AddFanOut: NodeClient, its resilience handler) to a node's real routes on the test server. A fault handler in
// front of the node holds a request in flight (a slow node), loses an answer after the node applied the write, or
// refuses the batch route (an older node). Each write's answer is compared with the answer a twin Api without
// batching gets from a twin node for the same writes sent one by one.
public sealed class BatchingNodeClientTests
{
    private static readonly TimeSpan Box = TimeSpan.FromSeconds(30);

    // After the held create g0 (token 5): a new group, a replay of its key, another key on it (exists), a fenced-out
    // token, an abort before its write and that write, a delete of nothing, a takeover.
    private static readonly NodeBatchItem[] Mix =
    [
        new(NodeBatch.Create, "g1", "k1", 1),
        new(NodeBatch.Create, "g1", "k1", 1),
        new(NodeBatch.Create, "g1", "k2", 1),
        new(NodeBatch.Create, "g0", "k3", 2),
        new(NodeBatch.Abort, "g2", "k4", 1),
        new(NodeBatch.Create, "g2", "k4", 1),
        new(NodeBatch.Delete, "g4", "k5", 1),
        new(NodeBatch.TakeOver, "g1", "k1", 2, "k6"),
    ];

    [Fact]
    public async Task Writes_queued_behind_one_in_flight_go_as_one_batch_and_each_caller_gets_its_single_answer()
    {
        await using var rig = await Rig.StartAsync();
        await using var twin = await Rig.StartAsync(batching: false);

        var (first, calls) = await rig.QueueBehindHeldAsync(Mix);
        var expected = new List<NodeCall> { await twin.SendAsync(new(NodeBatch.Create, "g0", "k0", 5)) };
        foreach (var item in Mix)
        {
            expected.Add(await twin.SendAsync(item));
        }

        Assert.Equal(["create", $"batch {Mix.Length}"], rig.Faults.Requests);
        Assert.Equal(expected.Select(Comparable), new[] { first }.Concat(calls).Select(Comparable));
        Assert.Contains(calls, c => c.Fenced);
        Assert.Contains(calls, c => c.Replayed);
        Assert.Contains(calls, c => c.WriteAborted);
        Assert.Contains(calls, c => c.ApplyRecord is not null);
    }

    [Fact]
    public async Task At_concurrency_one_every_write_is_its_single_call()
    {
        await using var rig = await Rig.StartAsync();

        foreach (var item in Mix)
        {
            await rig.SendAsync(item);
        }

        Assert.Equal(Mix.Select(i => i.Kind), rig.Faults.Requests);
    }

    [Theory]
    [InlineData("seed", true)]
    [InlineData(null, true)]
    [InlineData("keyed", false)]
    public async Task Seed_like_nodes_unknown_dialects_and_the_switch_off_keep_single_calls(string? dialect, bool enabled)
    {
        await using var rig = await Rig.StartAsync(batching: enabled, dialect: dialect);

        var (_, calls) = await rig.QueueBehindHeldAsync(
            [new(NodeBatch.Create, "g1", "k1", 1), new(NodeBatch.Create, "g2", "k2", 1), new(NodeBatch.Create, "g3", "k3", 1)]);

        Assert.Equal(["create", "create", "create", "create"], rig.Faults.Requests);
        Assert.Equal([201, 201, 201], calls.Select(c => c.Status));
    }

    [Fact]
    public async Task A_batch_whose_answer_is_lost_gives_each_write_the_unknown_answer_of_a_lost_single_call()
    {
        await using var rig = await Rig.StartAsync();
        await using var twin = await Rig.StartAsync(batching: false);
        rig.Faults.LoseAnswerOf = NodeBatch.Route;
        twin.Faults.LoseAnswerOf = "/v1/group/";

        var (_, calls) = await rig.QueueBehindHeldAsync(Mix[..2]);
        var single = await twin.SendAsync(Mix[0]);

        Assert.Equal(["create", "batch 2"], rig.Faults.Requests);
        Assert.All(calls, c => Assert.Equal(Comparable(single), Comparable(c)));
        Assert.Equal(CallError.ConnectionReset, single.Error);
        // It was applied: only a question (abort, read) can tell, as after a single call's lost answer.
        Assert.Equal(HttpStatusCode.OK, (await rig.Node.Client.GetAsync("/v1/group/g1/")).StatusCode);
    }

    [Fact]
    public async Task A_node_without_the_batch_route_gets_the_queued_writes_one_by_one()
    {
        await using var rig = await Rig.StartAsync();
        await using var twin = await Rig.StartAsync(batching: false);
        rig.Faults.RefuseBatchRoute = true;

        var (first, calls) = await rig.QueueBehindHeldAsync(Mix[..3]);
        var expected = new List<NodeCall> { await twin.SendAsync(new(NodeBatch.Create, "g0", "k0", 5)) };
        foreach (var item in Mix[..3])
        {
            expected.Add(await twin.SendAsync(item));
        }

        Assert.Equal(expected.Select(Comparable), new[] { first }.Concat(calls).Select(Comparable));
        Assert.Equal(["create", "batch 3", "create", "create", "create"], rig.Faults.Requests);

        // From then on the node's writes go single at once, never queued.
        var (_, later) = await rig.QueueBehindHeldAsync([new(NodeBatch.Create, "g5", "k7", 1), new(NodeBatch.Create, "g6", "k8", 1)]);
        Assert.Equal(["create", "batch 3", "create", "create", "create", "create", "create", "create"], rig.Faults.Requests);
        Assert.All(later, c => Assert.Equal(201, c.Status));
    }

    [Fact]
    public async Task A_queued_write_whose_caller_gave_up_is_a_timeout_and_never_sent()
    {
        await using var rig = await Rig.StartAsync(minAttemptTimeout: "00:00:00.100");
        rig.Faults.Hold = true;
        var first = rig.Client.CreateAsync(rig.Target, "g0", "k0", 5, CancellationToken.None);
        await rig.Faults.Arrived.Task.WaitAsync(Box);
        // The node answered fast until now: this caller's attempt timeout is the minimum (100 ms), the held call's 5 s.
        for (var i = 0; i < 20; i++)
        {
            rig.Get<NodeLatency>().Record(rig.Target.Name, 1);
        }

        var queued = await rig.Client.CreateAsync(rig.Target, "g1", "k1", 1, CancellationToken.None).WaitAsync(Box);
        rig.Faults.Release();
        await first.WaitAsync(Box);

        Assert.Equal(CallError.Timeout, queued.Error);
        Assert.Equal(["create"], rig.Faults.Requests);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.Node.Client.GetAsync("/v1/group/g1/")).StatusCode);
    }

    private static NodeCall Comparable(NodeCall call) => call with { DurationMs = 0 };

    // One Api's node client (AddFanOut's wiring) toward one in-process node, through the fault handler.
    private sealed class Rig : IAsyncDisposable
    {
        private readonly ServiceProvider _services;

        private Rig(InProcessNode node, ServiceProvider services, FaultHandler faults, ClusterNode target)
        {
            (Node, _services, Faults, Target) = (node, services, faults, target);
            Client = services.GetRequiredService<INodeClient>();
        }

        public InProcessNode Node { get; }
        public FaultHandler Faults { get; }
        public ClusterNode Target { get; }
        public INodeClient Client { get; }

        public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

        public static async Task<Rig> StartAsync(bool batching = true, string? dialect = "keyed", string minAttemptTimeout = "00:00:05")
        {
            var node = await InProcessNode.StartAsync("n1", new FakeTimeProvider());
            var faults = new FaultHandler { InnerHandler = node.Handler };
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:Nodes:0"] = "http://n1.test",
                ["Cluster:Resilience:AttemptTimeout"] = "00:00:05",
                ["Cluster:Resilience:MinAttemptTimeout"] = minAttemptTimeout,
                ["Cluster:Resilience:BreakerMinimumThroughput"] = "1000",
                ["Cluster:Batching:Enabled"] = batching ? "true" : "false",
            }).Build();
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddFanOut(configuration);
            services.AddHttpClient(NodeClient.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(() => faults)
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
            var provider = services.BuildServiceProvider();
            var target = provider.GetRequiredService<ClusterDirectory>().Nodes[0];
            target.Dialect = dialect;
            return new Rig(node, provider, faults, target);
        }

        public Task<NodeCall> SendAsync(NodeBatchItem item) => (item.Kind switch
        {
            NodeBatch.Create => Client.CreateAsync(Target, item.GroupId, item.Key!, item.Token!.Value, CancellationToken.None),
            NodeBatch.Delete => Client.DeleteAsync(Target, item.GroupId, item.Key!, item.Token!.Value, CancellationToken.None),
            NodeBatch.Abort => Client.AbortAsync(Target, item.GroupId, item.Key!, item.Token!.Value, CancellationToken.None),
            _ => Client.TakeOverAsync(Target, item.GroupId, item.Key!, item.UndoKey!, item.Token!.Value, CancellationToken.None),
        }).WaitAsync(Box);

        // A create of g0 (token 5) held in flight at the node, these writes sent meanwhile, then the node let go.
        public async Task<(NodeCall First, NodeCall[] Calls)> QueueBehindHeldAsync(IEnumerable<NodeBatchItem> items)
        {
            Faults.HoldNext();
            var first = SendAsync(new(NodeBatch.Create, "g0", "k0", 5));
            await Faults.Arrived.Task.WaitAsync(Box);
            Faults.Hold = false;
            var calls = items.Select(SendAsync).ToArray();
            Faults.Release();
            return (await first, await Task.WhenAll(calls).WaitAsync(Box));
        }

        public async ValueTask DisposeAsync()
        {
            Faults.Release();
            await _services.DisposeAsync();
            await Node.DisposeAsync();
        }
    }

    // In front of the node: records each request ("create", "batch 3", ...), and on demand holds the next one until
    // released, loses the answer of one route after the node applied it, or refuses the batch route (404).
    private sealed class FaultHandler : DelegatingHandler
    {
        private readonly ConcurrentQueue<string> _requests = new();
        private volatile TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _hold;
        private volatile string? _loseAnswerOf;
        private volatile bool _refuseBatchRoute;

        public bool Hold { get => _hold; set => _hold = value; }
        public string? LoseAnswerOf { get => _loseAnswerOf; set => _loseAnswerOf = value; }
        public bool RefuseBatchRoute { get => _refuseBatchRoute; set => _refuseBatchRoute = value; }
        public TaskCompletionSource Arrived => _arrived;
        public IReadOnlyList<string> Requests => [.. _requests];

        public void Release() => _release.TrySetResult();

        // Holds the next request with a signal and a release of its own (those of an earlier hold are spent).
        public void HoldNext()
        {
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Hold = true;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (path == NodeBatch.Route)
            {
                var batch = JsonSerializer.Deserialize<NodeBatchRequest>(await request.Content!.ReadAsByteArrayAsync(ct), JsonSerializerOptions.Web)!;
                _requests.Enqueue($"batch {batch.Items.Count}");
                if (RefuseBatchRoute)
                {
                    return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request };
                }
            }
            else
            {
                _requests.Enqueue(path.EndsWith("/abort", StringComparison.Ordinal) ? "abort"
                    : path.EndsWith("/takeover", StringComparison.Ordinal) ? "takeover"
                    : request.Method == HttpMethod.Delete ? "delete" : "create");
            }

            if (Hold)
            {
                Hold = false;
                Arrived.TrySetResult();
                await _release.Task.WaitAsync(Box, ct);
            }

            var response = await base.SendAsync(request, ct);
            if (LoseAnswerOf == path)
            {
                response.Dispose();
                throw new HttpRequestException(HttpRequestError.ResponseEnded, "the answer was lost (fault handler)");
            }

            return response;
        }
    }
}
