using System.Globalization;
using ClusterGroups.Bench.Measurement;

namespace ClusterGroups.Bench.Output;

// The tail breakdown as the phase ends, with the slowest operations' ids: while the cluster runs (external mode, or
// before a started one stops), GET /v1/operations/{id} shows each one's calls.
public static class TailConsole
{
    public static void Print(TailBreakdown tail)
    {
        Line($"median ops ({tail.Median.Operations})", tail.Median.ClientMs, tail.Median.ProtocolMs, tail.Median.SlowestCallMs);
        Line($"slowest 1 % ({tail.Slowest.Operations})", tail.Slowest.ClientMs, tail.Slowest.ProtocolMs, tail.Slowest.SlowestCallMs);
        foreach (var op in tail.SlowestFive)
        {
            Line($"{op.Kind} {op.OperationId ?? "?"}{(op.MetRetryAfter ? " (Retry-After)" : "")}", op.ClientMs, op.ProtocolMs, op.SlowestCallMs);
        }
    }

    private static void Line(string label, double client, double protocol, double slowestCall) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    {label,-44} client {client,8:F2} ms = protocol {protocol,8:F2} + outside {client - protocol,8:F2}; slowest node call {slowestCall,8:F2}, protocol beside it {protocol - slowestCall,8:F2}"));
}
