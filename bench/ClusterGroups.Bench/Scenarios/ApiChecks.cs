using System.Text.Json;
using ClusterGroups.Bench.Output;

namespace ClusterGroups.Bench.Scenarios;

// Read-only questions to the Api after the fault phases: are operations still open (pending repair being finished
// by recovery), and is every group on every node once they close?
public static class ApiChecks
{
    public static async Task<AfterFaults> AfterFaultsAsync(HttpClient http, Uri api, TimeSpan wait, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + wait;
        var open = await OpenOperationsAsync(http, api, ct);
        while (open > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            open = await OpenOperationsAsync(http, api, ct);
        }

        return new AfterFaults(open, await ConsistencyAsync(http, api, ct));
    }

    private static async Task<int> OpenOperationsAsync(HttpClient http, Uri api, CancellationToken ct)
    {
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(api, "/v1/operations/?state=open&limit=1000"), ct));
        return json.RootElement.TryGetProperty("operations", out var ops) ? ops.GetArrayLength() : -1;
    }

    private static async Task<string> ConsistencyAsync(HttpClient http, Uri api, CancellationToken ct)
    {
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(api, "/v1/cluster/consistency"), ct));
        return json.RootElement.TryGetProperty("summary", out var summary) ? summary.GetString() ?? "" : json.RootElement.GetRawText();
    }
}
