using Aspire.Hosting.ApplicationModel;

namespace ClusterGroups.Tests.Infrastructure.Proxy;

// Each replica's own address. The app's "api" endpoint is Aspire's proxy, which spreads connections over the replicas
// as it likes; a test that must send a request to one replica, or to each at once, needs each replica's own port:
// the one its process listens on (ASPNETCORE_URLS as the orchestrator resolved it for that replica).
public static class ApiReplicaEndpoints
{
    public static async Task<IReadOnlyList<Uri>> ReadAsync(ClusterFixture cluster, int replicas, string resource = "api")
    {
        var addresses = new Dictionary<string, Uri>();
        using var cts = new CancellationTokenSource(Wait.Resource);
        // The watch begins with every resource's current state.
        await foreach (var change in cluster.App.ResourceNotifications.WatchAsync(cts.Token))
        {
            if (change.Resource.Name == resource && change.Snapshot.State?.Text == KnownResourceStates.Running && Listening(change.Snapshot) is { } address)
            {
                addresses[change.ResourceId] = address;
                if (addresses.Count == replicas)
                {
                    break;
                }
            }
        }

        return [.. addresses.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Value)];
    }

    private static Uri? Listening(CustomResourceSnapshot snapshot) =>
        snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value?
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal)) is { } url ? new Uri(url) : null;
}
