using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Api.Reconciliation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterGroups.UnitTests.FanOut;

// The real protocol (AddFanOut: the in-memory coordinator, retry, the node client with its resilience pipeline) wired to fake
// nodes n1.test … nN.test. Short timings: 200 ms per attempt, 4 tries, 1 ms base backoff; the circuit breaker
// effectively off unless a test sets Cluster:Resilience:BreakerMinimumThroughput.
public sealed class FanOutHarness : IAsyncDisposable
{
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(30);

    private readonly ServiceProvider _provider;

    private readonly IDictionary<string, string?> _settings;

    private FanOutHarness(FakeCluster cluster, IDictionary<string, string?> settings, ICoordinator? journal = null)
    {
        Cluster = cluster;
        _settings = settings;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        if (journal is not null)
        {
            services.AddSingleton(journal);
        }

        services.AddFanOut(configuration);
        foreach (var client in (string[])[NodeClient.HttpClientName, NodeClient.ReadsClientName])
        {
            services.AddHttpClient(client)
                .ConfigurePrimaryHttpMessageHandler(() => cluster)
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        }

        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Protocol = _provider.GetRequiredService<FanOutProtocol>();
        Recovery = _provider.GetRequiredService<Recovery>();
        Journal = _provider.GetRequiredService<ICoordinator>();
    }

    public FakeCluster Cluster { get; }

    // This Api's clock: its timers (lease renewals, backoffs, timeouts) can be held as a paused process's are.
    public PausableTimeProvider Clock { get; } = new();

    public FanOutProtocol Protocol { get; }
    public Recovery Recovery { get; }
    public ICoordinator Journal { get; }

    public FakeNode this[int index] => Cluster[index];

    /// <param name="nodes">how many nodes</param>
    /// <param name="ignoringIdempotency">indexes of nodes that behave like the seed's Flask node</param>
    public static FanOutHarness Start(int nodes, params int[] ignoringIdempotency) => Start(nodes, ignoringIdempotency, null);

    public static FanOutHarness Start(int nodes, int[] ignoringIdempotency, IDictionary<string, string?>? overrides) =>
        new(Fakes(nodes, ignoringIdempotency), Settings(nodes, overrides));

    private static FakeCluster Fakes(int nodes, int[] ignoringIdempotency) =>
        new(Enumerable.Range(0, nodes).Select(i => new FakeNode($"n{i + 1}.test", ignoringIdempotency.Contains(i))));

    private static Dictionary<string, string?> Settings(int nodes, IDictionary<string, string?>? overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:Resilience:AttemptTimeout"] = "00:00:00.200",
            ["Cluster:Resilience:BaseDelay"] = "00:00:00.001",
            ["Cluster:Resilience:MaxAttempts"] = "4",
            ["Cluster:Resilience:BreakerMinimumThroughput"] = "1000",
            ["Cluster:Resilience:LockTimeout"] = "00:00:30",
            // The fake nodes script faults per single request; batching toward a node is tested against a real node's
            // routes (BatchingNodeClientTests) and in the simulator.
            ["Cluster:Batching:Enabled"] = "false",
        };
        for (var i = 0; i < nodes; i++)
        {
            settings[$"Cluster:Nodes:{i}"] = $"http://n{i + 1}.test";
        }

        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>The harness over a given coordinator (the Redis one's scripts in the in-process store, say).</summary>
    public static FanOutHarness Start(int nodes, ICoordinator journal) =>
        new(Fakes(nodes, []), Settings(nodes, null), journal);

    /// <summary>
    /// A new Api over the same journal and the same nodes, configured with <paramref name="nodes"/> (node numbers,
    /// 1-based, in the new Cluster:Nodes order): what an Api restarted after Cluster:Nodes changed sees.
    /// </summary>
    public FanOutHarness Restart(params int[] nodes)
    {
        var settings = new Dictionary<string, string?>(_settings.Where(s => !s.Key.StartsWith("Cluster:Nodes:", StringComparison.Ordinal)));
        for (var i = 0; i < nodes.Length; i++)
        {
            settings[$"Cluster:Nodes:{i}"] = $"http://n{nodes[i]}.test";
        }

        return new FanOutHarness(Cluster, settings, Journal);
    }

    /// <summary>
    /// A new Api over the same nodes with a coordinator of its own that knows nothing (the in-memory lock mode
    /// restarted, or a coordinator store whose data was lost).
    /// </summary>
    public FanOutHarness WithNewCoordinator() => new(Cluster, _settings);

    public Task<OperationState> CreateAsync(string groupId) => RunAsync(OperationKind.Create, groupId);
    public Task<OperationState> DeleteAsync(string groupId) => RunAsync(OperationKind.Delete, groupId);

    public async Task<OperationState> RunAsync(OperationKind kind, string groupId)
    {
        using var cts = new CancellationTokenSource(OperationTimeout);
        var result = await Protocol.RunAsync(kind, groupId, cts.Token).WaitAsync(OperationTimeout);
        Assert.True(result.Operation is not null, result.Refusal);
        return result.Operation;
    }

    /// <summary>Recovery rounds until the operation is closed (within OperationTimeout: a lease another Api held
    /// may have to expire first); its journal entry.</summary>
    public async Task<OperationState> RecoverAsync(string operationId)
    {
        using var cts = new CancellationTokenSource(OperationTimeout);
        OperationState? entry = null;
        await Wait.UntilAsync(async () =>
        {
            await Recovery.RunOnceAsync(cts.Token, now: true).WaitAsync(OperationTimeout);
            entry = await Journal.GetAsync(operationId, cts.Token);
            Assert.NotNull(entry);
            return !entry.IsOpen;
        }, OperationTimeout, $"operation {operationId} closed by recovery");
        return entry!;
    }

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    /// <summary>A service the Api registers beside AddFanOut (MembershipChanges, say), made from this harness's.</summary>
    public T Create<T>(params object[] parameters) where T : notnull => ActivatorUtilities.CreateInstance<T>(_provider, parameters);

    /// <summary>The Api's reconciler over this harness's nodes and journal; its repairs run on a lifetime of their own.</summary>
    public Reconciler NewReconciler() => Create<Reconciler>(new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance));

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
