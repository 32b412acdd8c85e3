using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Keyspace;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClusterGroups.UnitTests.Nodes;

// A node's group routes (GroupEndpoints.MapGroupsApi, the batch route with them) and digest reads on the test server, over the node's
// real GroupStore in an in-process store (the node's real Lua scripts). No cluster key: the routes are open, as on a
// node started without one. Expiry runs on the given clock, so two twins keep equal key lifetimes.
public sealed class InProcessNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessNode(WebApplication app, InProcessStore store)
    {
        _app = app;
        Store = store;
        Client = app.GetTestClient();
    }

    public InProcessStore Store { get; }
    public HttpClient Client { get; }

    // The test server's handler, for an HttpClient of the Api's own (NodeClient) pointed at this node.
    public HttpMessageHandler Handler => _app.GetTestServer().CreateHandler();

    public static async Task<InProcessNode> StartAsync(string name, TimeProvider time)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        var store = new InProcessStore(time);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(new GroupStore(store));
        builder.Services.AddSingleton<WriteCounts>();
        builder.Services.Configure<NodeOptions>(o => o.Name = name);
        var app = builder.Build();
        app.MapGroupsApi();
        app.MapDigestApi();
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return new InProcessNode(app, store);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
        Store.Dispose();
    }
}
