using System.Text.Json;
using ClusterGroups.Bench.Measurement;

namespace ClusterGroups.Bench.Scenarios;

// What the bench reads from the Api's answer (the operation report; in a problem+json answer its fields are the
// extension members, so they sit at the root either way).
public readonly record struct ReadReport(string? Outcome, int? NodeCalls, bool MetRetryAfter, ReportTiming? Timing);

public static class ReportReader
{
    // The report's "outcome"; the sum of its nodes' "attempts" (node calls made for this operation); whether any call
    // carries "retryAfterMs" (a node asked the protocol to wait); and "operationId", "durationMs" and the longest
    // call's "durationMs".
    public static ReadReport Read(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return default;
            }

            var outcome = root.TryGetProperty("outcome", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
            if (!root.TryGetProperty("nodes", out var nodes) || nodes.ValueKind != JsonValueKind.Array)
            {
                return new ReadReport(outcome, null, false, null);
            }

            var (calls, metRetryAfter, slowest) = (0, false, 0.0);
            foreach (var node in nodes.EnumerateArray())
            {
                calls += node.TryGetProperty("attempts", out var a) && a.TryGetInt32(out var k) ? k : 0;
                if (!node.TryGetProperty("calls", out var records) || records.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var record in records.EnumerateArray())
                {
                    if (record.TryGetProperty("call", out var call) && call.ValueKind == JsonValueKind.Object)
                    {
                        metRetryAfter |= call.TryGetProperty("retryAfterMs", out var after) && after.ValueKind == JsonValueKind.Number;
                        slowest = Math.Max(slowest, Number(call, "durationMs") ?? 0);
                    }
                }
            }

            ReportTiming? timing = Number(root, "durationMs") is { } protocol
                ? new ReportTiming(root.TryGetProperty("operationId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null, protocol, slowest)
                : null;
            return new ReadReport(outcome, calls, metRetryAfter, timing);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number)
            ? number
            : null;
}
