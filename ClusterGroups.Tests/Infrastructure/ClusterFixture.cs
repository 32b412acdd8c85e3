using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace ClusterGroups.Tests.Infrastructure;

// One started AppHost (nodes, stores, api) shared by the test classes of a collection.
public class ClusterFixture : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "clustergroups-tests", Guid.NewGuid().ToString("N"));

    public DistributedApplication App { get; private set; } = null!;
    public virtual int NodeCount => 3;

    // The Api's per-call timeout: the production default; chaos fixtures shorten it (and their fault delays) for speed.
    protected virtual string AttemptTimeout => "00:00:02";
    protected virtual string StoreKind => "garnet";

    public IEnumerable<string> NodeNames => Enumerable.Range(1, NodeCount).Select(i => $"node{i}");

    public virtual async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(Wait.AppStart);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ClusterGroups_AppHost>(
            [$"--Cluster:Nodes={NodeCount}", $"--Cluster:Store={StoreKind}", $"--Cluster:DataDir={_dataDir}"], cts.Token);

        // Short backoff and recovery rounds keep fault tests fast; production defaults are in the Api's appsettings.json.
        builder.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Cluster__Resilience__AttemptTimeout", AttemptTimeout)
            .WithEnvironment("Cluster__Resilience__BaseDelay", "00:00:00.050")
            .WithEnvironment("Cluster__Recovery__Interval", "00:00:00.500");
        Configure(builder);

        App = await builder.BuildAsync(cts.Token);
        await App.StartAsync(cts.Token);
        await Task.WhenAll(NodeNames.Append("api").Select(name =>
            App.ResourceNotifications.WaitForResourceHealthyAsync(name, cts.Token)));
    }

    protected virtual void Configure(IDistributedApplicationTestingBuilder builder)
    {
    }

    public HttpClient Api() => App.CreateHttpClient("api", "http");

    public HttpClient Node(string name) => App.CreateHttpClient(name, "http");

    public Uri NodeUri(string name) => App.GetEndpoint(name, "http");

    public async Task StopAsync(string resource)
    {
        using var cts = new CancellationTokenSource(Wait.Resource);
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StopCommand, cts.Token);
        Assert.True(result.Success, $"stop {resource}: {result.Message}");
        await App.ResourceNotifications.WaitForResourceAsync(resource, KnownResourceStates.TerminalStates, cts.Token);
    }

    public async Task StartAsync(string resource)
    {
        using var cts = new CancellationTokenSource(Wait.Resource);
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, cts.Token);
        Assert.True(result.Success, $"start {resource}: {result.Message}");
        await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
        if (NodeNames.Contains(resource))
        {
            // The Api's circuit breaker for the node may still be open from while it was down.
            var api = Api();
            await Wait.UntilAsync(async () =>
            {
                var view = System.Text.Json.Nodes.JsonNode.Parse(await api.GetStringAsync("/v1/cluster", cts.Token))!;
                return view["nodes"]!.AsArray().Any(n => n!["name"]!.GetValue<string>() == resource && n["reachable"]!.GetValue<bool>());
            }, Wait.Resource, $"the api reaches {resource} again");
        }
    }

    public async Task DisposeAsync()
    {
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
