using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterGroups.Tests.Infrastructure;

// One started AppHost (nodes, stores, api) shared by the test classes of a collection.
public class ClusterFixture : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "clustergroups-tests", Guid.NewGuid().ToString("N"));

    public DistributedApplication App { get; private set; } = null!;

    // The AppHost's secret parameters, chosen by the test so that clients can send them.
    public string ClusterKey { get; } = $"ck{Guid.NewGuid():N}";
    public string ApiKey { get; } = $"ak{Guid.NewGuid():N}";
    public virtual int NodeCount => 3;

    // The Api's per-call timeout: the production default; chaos fixtures shorten it (and their fault delays) for speed.
    protected virtual string AttemptTimeout => "00:00:02";
    public TimeSpan NodeAttemptTimeout => TimeSpan.Parse(AttemptTimeout, System.Globalization.CultureInfo.InvariantCulture);
    protected virtual string StoreKind => "garnet";
    protected virtual int ApiReplicas => 1;

    // Cluster:Coordinator: true (a store of StoreKind's kind), or postgres (a local PostgreSQL).
    protected virtual string Coordinator => "true";

    // How long the app may take to be healthy (a PostgreSQL coordinator runs initdb first).
    protected virtual TimeSpan StartTimeout => Wait.AppStart;

    public IEnumerable<string> NodeNames => Enumerable.Range(1, NodeCount).Select(i => $"node{i}");

    public virtual async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ClusterGroups_AppHost>(
            [$"--Cluster:Nodes={NodeCount}", $"--Cluster:Store={StoreKind}", $"--Cluster:DataDir={_dataDir}", $"--Cluster:ApiReplicas={ApiReplicas}",
             $"--Cluster:Coordinator={Coordinator}",
             $"--Parameters:cluster-key={ClusterKey}", $"--Parameters:api-key={ApiKey}"], cts.Token);

        // Short backoff and recovery rounds keep fault tests fast; production defaults are in the Api's appsettings.json.
        builder.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Cluster__Resilience__AttemptTimeout", AttemptTimeout)
            .WithEnvironment("Cluster__Resilience__BaseDelay", "00:00:00.050")
            .WithEnvironment("Cluster__Recovery__Interval", "00:00:00.500")
            .WithEnvironment("Cluster__Coordinator__LeaseDuration", "00:00:03")
            // The per-node circuit breaker is tested with scripted nodes (FanOutBreakerTests); here, where tests share
            // one Api, a breaker opened by one test's faults would fail the next test's calls for BreakDuration.
            .WithEnvironment("Cluster__Resilience__BreakerMinimumThroughput", "10000")
            // The per-caller rate limit is tested on its own (RateLimitTests); here it must not get in the way.
            .WithEnvironment("Api__PermitsPerSecond", "100000")
            .WithEnvironment("Api__Burst", "100000");
        Configure(builder);

        App = await builder.BuildAsync(cts.Token);
        await App.StartAsync(cts.Token);
        await Task.WhenAll(NodeNames.Append("api").Append("coordinator").Select(name =>
            App.ResourceNotifications.WaitForResourceHealthyAsync(name, cts.Token)));
        CaptureLogs();
    }

    // Every line every resource logs, for tests that check what must never be logged.
    public System.Collections.Concurrent.ConcurrentQueue<string> Logs { get; } = new();

    private void CaptureLogs()
    {
        var logger = App.Services.GetRequiredService<ResourceLoggerService>();
        foreach (var name in NodeNames.Concat(["api", "coordinator"]).Concat(NodeNames.Select(n => n.Replace("node", "store"))))
        {
            // Logs are kept per instance: watch the resource's id (e.g. api-xk2f), not its name.
            var resource = App.ResourceNotifications.TryGetCurrentState(name, out var state) ? state.ResourceId : name;
            _ = Task.Run(async () =>
            {
                try
                {
                    await foreach (var batch in logger.WatchAsync(resource).WithCancellation(_stopLogs.Token))
                    {
                        foreach (var line in batch)
                        {
                            Logs.Enqueue($"{resource}: {line.Content}");
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            });
        }
    }

    private readonly CancellationTokenSource _stopLogs = new();

    protected virtual void Configure(IDistributedApplicationTestingBuilder builder)
    {
    }

    public HttpClient Api() => WithHeader(ApiAnonymous(), SecurityHeaders.ApiKey, ApiKey);

    // The test's own connection to the coordinator store (journal, leases, fencing tokens), to read or set what it holds.
    public async Task<StackExchange.Redis.ConnectionMultiplexer> ConnectCoordinatorAsync() =>
        await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(
            (await App.GetConnectionStringAsync("coordinator").AsTask().WaitAsync(Wait.Request))!).WaitAsync(Wait.Request);

    // The test's own connection to nodeK's store (storeK), to change what it holds behind the node's back: what a
    // restore, a migration or an expired key leaves there.
    public async Task<StackExchange.Redis.ConnectionMultiplexer> ConnectStoreAsync(string node) =>
        await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(
            (await App.GetConnectionStringAsync(node.Replace("node", "store", StringComparison.Ordinal)).AsTask().WaitAsync(Wait.Request))!).WaitAsync(Wait.Request);

    public HttpClient ApiAnonymous() => App.CreateHttpClient("api", "http");

    /// <summary>
    /// The Api as a .NET program calls it (ClusterGroups.Client) with the test's key, or another; one try per call, so
    /// a test sees every answer. Tests of the wire itself (statuses, headers, bodies) use <see cref="Api()"/>.
    /// </summary>
    public ClusterGroupsClient Client(string? key = null) => new(ApiAnonymous(), new ClusterGroupsClientOptions
    {
        BaseAddress = App.GetEndpoint("api", "http"),
        ApiKey = key ?? ApiKey,
        Timeout = Wait.Request,
    });

    public HttpClient Node(string name) => WithHeader(NodeAnonymous(name), SecurityHeaders.ClusterKey, ClusterKey);

    public HttpClient NodeAnonymous(string name) => App.CreateHttpClient(name, "http");

    private static HttpClient WithHeader(HttpClient client, string header, string value)
    {
        client.DefaultRequestHeaders.Add(header, value);
        return client;
    }

    public Uri NodeUri(string name) => App.GetEndpoint(name, "http");

    public async Task StopAsync(string resource)
    {
        using var cts = new CancellationTokenSource(Wait.Resource);
        // Under load the stop command can report a timeout while the process is still going down: what counts is
        // that the resource reaches a terminal state in time.
        await App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StopCommand, cts.Token);
        // (Under load DCP sometimes reports a stopped project's state as "Unknown" instead of "Exited".)
        await App.ResourceNotifications.WaitForResourceAsync(resource,
            e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text) || e.Snapshot.State?.Text == "Unknown",
            cts.Token);
    }

    /// <summary>The process id of a running resource (one replica).</summary>
    public int PidOf(string resource)
    {
        Assert.True(App.ResourceNotifications.TryGetCurrentState(resource, out var state), $"no state for {resource}");
        var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        Assert.True(pid is not null, $"{resource} has no pid");
        return Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Kills the resource's process tree (SIGKILL): a crash, not a graceful stop that lets requests finish.</summary>
    public async Task KillAsync(string resource)
    {
        using (var process = System.Diagnostics.Process.GetProcessById(PidOf(resource)))
        {
            process.Kill(entireProcessTree: true);
        }

        using var cts = new CancellationTokenSource(Wait.Resource);
        await App.ResourceNotifications.WaitForResourceAsync(resource,
            e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text) || e.Snapshot.State?.Text == "Unknown",
            cts.Token);
    }

    public async Task StartAsync(string resource)
    {
        await StartCommandAsync(resource);
        await WaitBackAsync(resource);
    }

    /// <summary>Starts a stopped resource and returns as soon as the start was accepted: the process may not listen yet.</summary>
    public async Task StartCommandAsync(string resource)
    {
        using var cts = new CancellationTokenSource(Wait.Resource);
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, cts.Token);
        Assert.True(result.Success, $"start {resource}: {result.Message}");
    }

    /// <summary>Waits until a started resource is healthy, and a node until the Api reaches it again.</summary>
    public async Task WaitBackAsync(string resource)
    {
        using var cts = new CancellationTokenSource(Wait.Resource);
        try
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
        }
        catch (DistributedApplicationException e)
        {
            // Aspire's "failed to start" says only that the wait saw a terminal state: a process that exited (say a
            // store whose recovery failed) or a state left from before the start. The latter was seen after kill -9
            // of a redis-server coordinator (state empty, while the new process logged "Ready to accept
            // connections"): a store that answers is back. Otherwise say which, with what it printed.
            // The same was seen for a node killed (kill -9) and started again in a CI rehearsal (state empty, no exit
            // code, 0.6 s after its new process was started): a process is back once Aspire reports it running and
            // then healthy.
            if (IsStore(resource) ? !await StoreAnswersAsync(resource, Wait.Request) : !await RunningAgainAsync(resource, cts.Token))
            {
                throw new InvalidOperationException(await WhyNotBackAsync(resource, e.Message), e);
            }
        }

        // "Healthy" is Aspire's word for a process it started (a store has no health check of its own): a store is
        // back once it answers the test's own connection, which is what its node waits for. One that does not, though
        // DCP accepted the start, is stopped and started once more: the harness's part, not the node's (a node that
        // cannot reach a store answering PING fails its own check after this). Seen in a CI rehearsal after a stop,
        // a start and a kill -9 of a redis-server store: the start after the kill was "successfully executed" and the
        // state said Running, but no process was started; a second start command alone then started one that neither
        // the test nor its node could reach in 90 s (through the endpoint's proxy; that endpoint is no longer proxied).
        if (IsStore(resource) && !await StoreAnswersAsync(resource, Wait.Request))
        {
            await StopAsync(resource);
            await StartCommandAsync(resource);
            if (!await StoreAnswersAsync(resource, Wait.Resource))
            {
                throw new InvalidOperationException(await WhyNotBackAsync(resource, "healthy to Aspire, but no answer to PING, stopped and started again"));
            }
        }

        if (NodeNames.Contains(resource))
        {
            // The Api's circuit breaker for the node may still be open from while it was down.
            var api = Client();
            await Wait.UntilAsync(async () => (await api.GetClusterAsync(cts.Token)).Nodes.Any(n => n.Name == resource && n.Reachable),
                Wait.Resource, $"the api reaches {resource} again");
        }
    }

    // A started process the first wait gave up on: back if Aspire reports it Running and then healthy within the wait.
    private async Task<bool> RunningAgainAsync(string resource, CancellationToken ct)
    {
        try
        {
            await App.ResourceNotifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text == KnownResourceStates.Running, ct);
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, ct);
            return true;
        }
        catch (Exception e) when (e is DistributedApplicationException || (e is OperationCanceledException && ct.IsCancellationRequested))
        {
            return false;
        }
    }

    // The stores the AppHost runs (storeK; the coordinator unless it is PostgreSQL), which the test can PING.
    private bool IsStore(string resource) =>
        resource.StartsWith("store", StringComparison.Ordinal) || (resource == "coordinator" && Coordinator != "postgres");

    private async Task<bool> StoreAnswersAsync(string resource, TimeSpan within)
    {
        var connectionString = (await App.GetConnectionStringAsync(resource).AsTask().WaitAsync(Wait.Request))!;
        try
        {
            using var connection = await StoreConnection.WhenAnsweringAsync(connectionString, resource, within);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task<string> WhyNotBackAsync(string resource, string message)
    {
        if (!App.ResourceNotifications.TryGetCurrentState(resource, out var state))
        {
            return $"{resource}: {message}; no state";
        }

        var lines = new List<string>();
        using var cts = new CancellationTokenSource(Wait.Request);
        try
        {
            await foreach (var batch in App.Services.GetRequiredService<ResourceLoggerService>().GetAllAsync(state.ResourceId)
                               .WithCancellation(cts.Token))
            {
                lines.AddRange(batch.Select(l => l.Content));
            }
        }
        catch (OperationCanceledException)
        {
        }

        return $"{resource} ({state.ResourceId}): {message}; state {state.Snapshot.State?.Text}, exit code " +
               $"{state.Snapshot.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}; its last lines:\n" +
               string.Join("\n", lines.TakeLast(40));
    }

    public async Task DisposeAsync()
    {
        await _stopLogs.CancelAsync();
        if (App is not null)
        {
            using var cts = new CancellationTokenSource(Wait.Resource);
            await App.StopAsync(cts.Token).WaitAsync(Wait.Resource);
            await App.DisposeAsync().AsTask().WaitAsync(Wait.Resource);
        }

        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster (3 nodes, garnet)";
}
