using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Keyspace;
using ClusterGroups.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace ClusterGroups.UnitTests.Nodes;

// A node's group routes (GroupEndpoints.MapGroupsApi, the batch route with them) and digest reads on the test server, over the node's
// real GroupStore in an in-process store (the node's real Lua scripts). No cluster key: the routes are open, as on a
// node started without one. Expiry runs on the given clock, so two twins keep equal key lifetimes.
public sealed class InProcessNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private readonly ScriptCount _scripts;

    private InProcessNode(WebApplication app, InProcessStore store, ScriptCount scripts)
    {
        _app = app;
        Store = store;
        _scripts = scripts;
        Client = app.GetTestClient();
    }

    public InProcessStore Store { get; }
    public HttpClient Client { get; }

    // How many scripts the node's store has run (one per single write; one per batch request).
    public int Scripts => _scripts.Scripts;

    // The test server's handler, for an HttpClient of the Api's own (NodeClient) pointed at this node.
    public HttpMessageHandler Handler => _app.GetTestServer().CreateHandler();

    public static async Task<InProcessNode> StartAsync(string name, TimeProvider time)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        var store = new InProcessStore(time);
        var scripts = new ScriptCount(store);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(new GroupStore(scripts));
        builder.Services.AddSingleton<WriteCounts>();
        builder.Services.Configure<NodeOptions>(o => o.Name = name);
        var app = builder.Build();
        app.MapGroupsApi();
        app.MapDigestApi();
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return new InProcessNode(app, store, scripts);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
        Store.Dispose();
    }

    // The store as the node sees it, counting the scripts it is sent (requests are served concurrently: Interlocked).
    private sealed class ScriptCount(IRedisStore store) : IRedisStore
    {
        private int _scripts;

        public int Scripts => Volatile.Read(ref _scripts);

        public Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args)
        {
            Interlocked.Increment(ref _scripts);
            return store.EvaluateAsync(script, keys, args);
        }

        public Task<RedisResult> ExecuteAsync(string command, params RedisValue[] args) => store.ExecuteAsync(command, args);
    }
}
