using System.Net.Http.Json;

namespace ClusterGroups.Bench.Scenarios;

// GET /admin/writes on every node (ClusterGroups.Node's WriteCounts): write requests served and writes they carried,
// summed; null when a node does not tell (not ours, or started without a cluster key).
public sealed class NodeWrites(HttpClient http, IReadOnlyList<Uri> nodes)
{
    public async Task<(long Requests, long Writes)?> ReadAsync(CancellationToken ct)
    {
        try
        {
            var counts = await Task.WhenAll(nodes.Select(node => http.GetFromJsonAsync<Counts>(new Uri(node, "/admin/writes"), ct)));
            return counts.Any(c => c is null) ? null : (counts.Sum(c => c!.Requests), counts.Sum(c => c!.Writes));
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private sealed record Counts(long Requests, long Writes);
}
