using System.Globalization;
using System.Text;

namespace ClusterGroups.Bench.Scenarios;

// Fault injection on every node: PUT /admin/chaos {"faultRate": r} (every fault kind, combined rate r) and
// POST /admin/chaos/stable.
public sealed class ChaosAdmin(HttpClient http, IReadOnlyList<Uri> nodes)
{
    public Task SetAsync(double faultRate, CancellationToken ct) => Task.WhenAll(nodes.Select(async node =>
    {
        var json = string.Create(CultureInfo.InvariantCulture, $"{{\"faultRate\":{faultRate}}}");
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.PutAsync(new Uri(node, "/admin/chaos"), content, ct);
        await Ensure(response, node, ct);
    }));

    public Task StableAsync(CancellationToken ct) => Task.WhenAll(nodes.Select(async node =>
    {
        using var response = await http.PostAsync(new Uri(node, "/admin/chaos/stable"), null, ct);
        await Ensure(response, node, ct);
    }));

    private static async Task Ensure(HttpResponseMessage response, Uri node, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"{node} chaos admin answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
    }
}
