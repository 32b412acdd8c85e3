using System.Net;
using ClusterGroups.Contracts.Security;

namespace ClusterGroups.Bench.Scenarios;

// The bench's HTTP clients: pooled keep-alive connections (as many as the concurrency needs), no proxy, a generous
// per-request timeout (an operation under faults may take several node timeouts), and the keys on every request.
public static class BenchHttp
{
    public const string ApiKeyHeader = SecurityHeaders.ApiKey;
    public const string ClusterKeyHeader = SecurityHeaders.ClusterKey;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    public static HttpClient ForApi(string apiKey) => Create(ApiKeyHeader, apiKey);

    public static HttpClient ForNodes(string clusterKey) => Create(ClusterKeyHeader, clusterKey);

    private static HttpClient Create(string header, string key)
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
        var client = new HttpClient(handler) { Timeout = RequestTimeout };
        client.DefaultRequestHeaders.Add(header, key);
        return client;
    }
}
