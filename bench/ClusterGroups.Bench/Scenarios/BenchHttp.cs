using System.Net;
using ClusterGroups.Client;
using ClusterGroups.Contracts;
using ClusterGroups.Contracts.Security;

namespace ClusterGroups.Bench.Scenarios;

// The bench's HTTP clients: pooled keep-alive connections (as many as the concurrency needs), no proxy, a generous
// per-request timeout (an operation under faults may take several node timeouts), and the keys on every request.
// The Api is called through ClusterGroups.Client (which sends the key), made by hand over such a client: no
// resilience handler and no retries, so every measured call is one try; its writes share requests while others are in
// flight (the client's batching, on by default) unless `batching` is off.
public static class BenchHttp
{
    public const string ClusterKeyHeader = SecurityHeaders.ClusterKey;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    public static (HttpClient Http, ClusterGroupsClient Client) ForApi(Uri api, string apiKey, TimeSpan? timeout = null, bool batching = true, int? writesInFlight = null)
    {
        var http = Create();
        http.Timeout = Timeout.InfiniteTimeSpan;
        return (http, new ClusterGroupsClient(http, new ClusterGroupsClientOptions
        {
            BaseAddress = api,
            ApiKey = apiKey,
            Timeout = timeout ?? RequestTimeout,
            MaxRetries = 0,
            Batching = batching,
            MaxWritesInFlight = writesInFlight ?? new ClusterGroupsClientOptions().MaxWritesInFlight,
        }));
    }

    public static HttpClient ForNodes(string clusterKey) => WithKey(ClusterKeyHeader, clusterKey);

    // The Api on the wire, for a scenario that counts raw statuses (--cold-start's burst), not the client's answers.
    public static HttpClient ForApiWire(string apiKey) => WithKey(ApiHeaders.ApiKey, apiKey);

    private static HttpClient WithKey(string header, string key)
    {
        var client = Create();
        client.DefaultRequestHeaders.Add(header, key);
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
