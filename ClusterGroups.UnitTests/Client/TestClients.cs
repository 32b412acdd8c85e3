using ClusterGroups.Client;
using ClusterGroups.UnitTests.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterGroups.UnitTests.Client;

// The client over a scripted Api: as a program makes one by hand (one try per call), or as AddClusterGroupsClient
// registers it (with its resilience handler), the fake being the handler that would send to the network.
public static class TestClients
{
    public const string ApiKey = "k1";
    public static readonly Uri Address = new("http://localhost:5080");

    public static ClusterGroupsClient Plain(HttpMessageHandler api, TimeProvider? time = null, Action<ClusterGroupsClientOptions>? configure = null)
    {
        var options = new ClusterGroupsClientOptions { BaseAddress = Address, ApiKey = ApiKey };
        configure?.Invoke(options);
        return new ClusterGroupsClient(new HttpClient(api, disposeHandler: false), options, time);
    }

    public static ServiceProvider Registered(HttpMessageHandler api, TimeProvider time, Action<ClusterGroupsClientOptions>? configure = null,
        Action<IServiceCollection>? before = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        before?.Invoke(services);
        services.AddClusterGroupsClient(o =>
        {
            o.BaseAddress = Address;
            o.ApiKey = ApiKey;
            configure?.Invoke(o);
        }).ConfigurePrimaryHttpMessageHandler(() => api);
        return services.BuildServiceProvider();
    }

    public static string Header(this HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    public static string ProblemWith(int status, string title, string detail, object? extensions = null)
    {
        var body = System.Text.Json.Nodes.JsonNode.Parse(FakeApi.PlainProblem(status, title, detail))!.AsObject();
        if (extensions is not null)
        {
            foreach (var (name, value) in System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(extensions))!.AsObject())
            {
                body[name] = value?.DeepClone();
            }
        }

        return body.ToJsonString();
    }
}
