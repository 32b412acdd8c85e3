using System.Net;
using ClusterGroups.Client;
using ClusterGroups.Contracts.Security;

namespace ClusterGroups.Bench.Scenarios;

// The bench's HTTP clients: pooled keep-alive connections (as many as the concurrency needs), no proxy, a generous
// per-request timeout (an operation under faults may take several node timeouts), and the keys on every request.
// The Api is called through ClusterGroups.Client (which sends the key), made by hand over such a client: no
// resilience handler, so every measured call is one try.
public static class BenchHttp
{
    public const string ClusterKeyHeader = SecurityHeaders.ClusterKey;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    public static (HttpClient Http, ClusterGroupsClient Client) ForApi(Uri api, string apiKey, TimeSpan? timeout = null)
    {
        var http = Create();
        http.Timeout = Timeout.InfiniteTimeSpan;
        return (http, new ClusterGroupsClient(http, new ClusterGroupsClientOptions { BaseAddress = api, ApiKey = apiKey, Timeout = timeout ?? RequestTimeout }));
    }

    public static HttpClient ForNodes(string clusterKey)
    {
        var client = Create();
        client.DefaultRequestHeaders.Add(ClusterKeyHeader, clusterKey);
        return client;
    }

    private static HttpClient Create()
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = 512,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        return new HttpClient(handler) { Timeout = RequestTimeout };
    }
}
