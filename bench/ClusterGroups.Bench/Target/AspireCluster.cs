using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using ClusterGroups.Bench.Measurement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterGroups.Bench.Target;

// The real app (ClusterGroups.AppHost) started with Aspire.Hosting.Testing: N nodes, their stores, the Api, in a
// temporary data directory that is removed afterwards. The Api's endpoint is not proxied, so requests reach the Api
// itself (as the nodes' endpoints already are), not dcp's proxy in front of it.
public sealed class AspireCluster : IBenchCluster
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly DistributedApplication _app;
    private readonly string _dataDir;

    private AspireCluster(
        DistributedApplication app, string dataDir, int nodes, bool hasCoordinator, bool postgres, double startSeconds, string? coordinator)
    {
        _app = app;
        _dataDir = dataDir;
        NodeCount = nodes;
        HasCoordinator = hasCoordinator;
        Journal = JournalSwitch.Describe(hasCoordinator, postgres);
        StartSeconds = startSeconds;
        Api = Loopback.Require(app.GetEndpoint("api", "http"));
        Nodes = [.. Enumerable.Range(1, nodes).Select(i => Loopback.Require(app.GetEndpoint($"node{i}", "http")))];
        Coordinator = coordinator;
        Processes = ProcessRoles.FromOwnOrchestrator(
            coordinator is not null && int.TryParse(coordinator[(coordinator.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var port) ? port : null);
    }

    public int NodeCount { get; }
    public Uri Api { get; }
    public IReadOnlyList<Uri> Nodes { get; }
    public IReadOnlyList<string> Stores { get; private set; } = [];
    public string? Coordinator { get; }
    public bool? HasCoordinator { get; }
    public string Journal { get; }
    public ProcessRoles Processes { get; }
    public double StartSeconds { get; }

    public static async Task<AspireCluster> StartAsync(
        int nodes, BenchOptions options, IReadOnlyList<string> extraArgs, CancellationToken ct,
        IReadOnlyDictionary<string, string>? apiEnvironment = null, IReadOnlyDictionary<string, string>? nodeEnvironment = null)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "clustergroups-bench", Guid.NewGuid().ToString("N"));
        string[] args =
        [
            $"--Cluster:Nodes={nodes}", $"--Cluster:Store={options.Store}", $"--Cluster:DataDir={dataDir}",
            $"--Cluster:DurableAcks={options.DurableAcks}",
            .. JournalSwitch.ArgsFor(options.Coordinator),
            $"--Parameters:api-key={options.ApiKey}", $"--Parameters:cluster-key={options.ClusterKey}",
            .. extraArgs,
        ];

        using var startup = CancellationTokenSource.CreateLinkedTokenSource(ct);
        startup.CancelAfter(StartTimeout);
        var clock = Stopwatch.StartNew();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ClusterGroups_AppHost>(args, startup.Token);
        var coordinator = builder.Resources.FirstOrDefault(r => r.Name == JournalSwitch.CoordinatorResource);
        var postgres = coordinator is ClusterGroups.AppHost.Cluster.PostgresCoordinatorResource;
        QuietLogs(builder);
        CountStoreCommands(builder);
        if (!options.KeepOtlpExport)
        {
            NoOtlpExport(builder);
        }

        if (!options.Development)
        {
            AsDeployed(builder);
        }

        var api = builder.CreateResourceBuilder<ProjectResource>("api")
            .WithEndpoint("http", endpoint =>
            {
                endpoint.IsProxied = false;
                endpoint.Port = null;
            });
        WithEnvironment(builder, _ => true, options.ServiceEnvironment);

        // The bench is one caller measuring capacity: the per-caller rate limit (a defence against floods, 200/s by
        // default) would otherwise be what it measures. --api-env can set it back.
        api.WithEnvironment("Api__PermitsPerSecond", "100000").WithEnvironment("Api__Burst", "100000");
        // Batching is on by default; said here too so the main runs measure it whatever the Api's default (the A/B
        // start sets it off again below).
        api.WithEnvironment("Cluster__Batching__Enabled", "true");
        foreach (var (name, value) in options.ApiEnvironment.Concat(apiEnvironment ?? new Dictionary<string, string>()))
        {
            api.WithEnvironment(name, value);
        }

        WithEnvironment(builder, r => r.Name.StartsWith("node", StringComparison.Ordinal),
            options.NodeEnvironment.Concat(nodeEnvironment ?? new Dictionary<string, string>()));
        // The stores: each node's and a Redis-protocol coordinator (ClusterGroups.Store projects).
        WithEnvironment(builder, r => r.Name.StartsWith("store", StringComparison.Ordinal) || r.Name == JournalSwitch.CoordinatorResource,
            options.StoreEnvironment);
        WithEnvironment(builder, r => r.Name == JournalSwitch.CoordinatorResource, options.CoordinatorEnvironment);

        var app = await builder.BuildAsync(startup.Token);
        try
        {
            await app.StartAsync(startup.Token);
            await Task.WhenAll(Enumerable.Range(1, nodes).Select(i => $"node{i}").Append("api")
                .Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, startup.Token)));
            // A Redis-protocol coordinator's command counter is read like a store's, and its CPU apart from the node
            // stores'; PostgreSQL has none of that kind.
            var journal = coordinator is not null && !postgres ? await HostAndPortAsync(app, JournalSwitch.CoordinatorResource, startup.Token) : null;
            var cluster = new AspireCluster(app, dataDir, nodes, coordinator is not null, postgres, Math.Round(clock.Elapsed.TotalSeconds, 1), journal);
            cluster.Stores = await Task.WhenAll(Enumerable.Range(1, nodes).Select(i => HostAndPortAsync(app, $"store{i}", startup.Token)));
            return cluster;
        }
        catch
        {
            await StopAsync(app, dataDir);
            throw;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(_app, _dataDir));

    /// <summary>A crash and a fresh start of one resource: kill -9 of its process tree, then Aspire's start command.</summary>
    /// <returns>When the start was accepted; the process may not listen yet (the caller decides what "up" means).</returns>
    public async Task CrashAndStartAsync(string resource, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StopTimeout);
        if (!_app.ResourceNotifications.TryGetCurrentState(resource, out var state)
            || state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is not { } pid)
        {
            throw new InvalidOperationException($"{resource} has no running process to crash");
        }

        using (var process = Process.GetProcessById(Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture)))
        {
            process.Kill(entireProcessTree: true);
        }

        // (dcp sometimes reports a killed project's state as "Unknown" instead of "Exited".)
        await _app.ResourceNotifications.WaitForResourceAsync(resource,
            e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text) || e.Snapshot.State?.Text == "Unknown",
            timeout.Token);
        var result = await _app.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, timeout.Token);
        if (!result.Success)
        {
            throw new InvalidOperationException($"start {resource}: {result.Message}");
        }
    }

    public Task WaitHealthyAsync(string resource, CancellationToken ct) =>
        _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, ct);

    // The testing builder forwards every resource's console output to this process's console at Information; the
    // bench keeps errors only (printing the Api's log lines would cost the bench CPU and drown the results).
    private static void QuietLogs(IDistributedApplicationTestingBuilder builder) =>
        builder.Services.PostConfigure<LoggerFilterOptions>(options =>
        {
            options.Rules.Add(new LoggerFilterRule(null, null, LogLevel.Warning, null));
            options.Rules.Add(new LoggerFilterRule(null, "ClusterGroups.AppHost.Resources", LogLevel.Error, null));
            options.Rules.Add(new LoggerFilterRule(null, "Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None, null));
            options.Rules.Add(new LoggerFilterRule(null, "Aspire.Hosting.Health", LogLevel.None, null));
        });

    // The testing builder starts no dashboard, yet still points every service's OTLP exporter at one: each export
    // then fails (about 35 exceptions/s in the Api under load, and 5 % of a core per idle service). The bench clears
    // the endpoint, so the services trace and count as usual but export nothing (--otlp keeps it).
    private static void NoOtlpExport(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", "");
        }
    }

    // The testing builder runs every service in its own environment, Development; deployed (deploy/) they run as
    // Production. Development (developer exception page, DI scope checks) cost the Api about 15 % more CPU per
    // operation at c=64, N=3 in four paired runs of 2026-12-06 (0.357 against 0.305 ms), which a deployment does not
    // pay. --development keeps it.
    private static void AsDeployed(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("ASPNETCORE_ENVIRONMENT", Environments.Production)
                .WithEnvironment("DOTNET_ENVIRONMENT", Environments.Production);
        }
    }

    // Garnet counts processed commands (INFO stats) only with its metrics sampler on; redis-server always does.
    private static void CountStoreCommands(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var store in builder.Resources.OfType<ProjectResource>()
                     .Where(r => r.Name.StartsWith("store", StringComparison.Ordinal) || r.Name == JournalSwitch.CoordinatorResource)
                     .Where(r => r.GetType().Name.Contains("Garnet", StringComparison.Ordinal))
                     .ToList())
        {
            builder.CreateResourceBuilder(store).WithArgs("--metrics-sampling-freq", "1");
        }
    }

    // "host:port" or "host:port,password=...": the first entry's address.
    private static async Task<string> HostAndPortAsync(DistributedApplication app, string resource, CancellationToken ct) =>
        (await app.GetConnectionStringAsync(resource, ct) ?? "").Split(',')[0];

    private static async Task StopAsync(DistributedApplication app, string dataDir)
    {
        try
        {
            using var stop = new CancellationTokenSource(StopTimeout);
            await app.StopAsync(stop.Token).WaitAsync(StopTimeout);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            Console.Error.WriteLine($"  the app did not stop within {StopTimeout.TotalSeconds:F0} s; disposing it");
        }
        finally
        {
            await app.DisposeAsync().AsTask().WaitAsync(StopTimeout);
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    // Extra environment for the projects a predicate picks (the A/B flags: --env, --node-env, --store-env, --coordinator-env).
    private static void WithEnvironment(
        IDistributedApplicationTestingBuilder builder, Func<ProjectResource, bool> which, IEnumerable<KeyValuePair<string, string>> environment)
    {
        var pairs = environment.ToList();
        foreach (var project in builder.Resources.OfType<ProjectResource>().Where(which).ToList())
        {
            foreach (var (name, value) in pairs)
            {
                builder.CreateResourceBuilder(project).WithEnvironment(name, value);
            }
        }
    }
}
