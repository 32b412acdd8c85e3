namespace ClusterGroups.Bench.Measurement;

// One operation's times: what the bench measured around the request (ClientMs), the report's durationMs (ProtocolMs)
// and the longest of the report's node calls (SlowestCallMs).
public readonly record struct OpSample(
    string Kind, string? OperationId, double ClientMs, double ProtocolMs, double SlowestCallMs, bool MetRetryAfter);

// Average times of a set of operations, and where they went. ProtocolMs is the report's durationMs: in
// FanOutProtocol.RunAsync it runs from just before the coordinator's Start (taking the group's lease, reading its last
// operation, beginning this one: one script) to just before the closing write, so it covers the lease wait, the begin,
// the node calls (in parallel), an interim save and any undo. OutsideProtocolMs (client − protocol) is everything
// else: the bench's and Kestrel's HTTP, authentication, rate and concurrency limits, the closing write (which frees
// the lease), writing the answer. BesideSlowestCallMs (protocol − slowest call) is the protocol's time not spent
// waiting for its slowest node call: the Start script, scheduling the fan-out, further calls (retries, reads, undo).
public sealed record TailGroup(int Operations, double ClientMs, double ProtocolMs, double SlowestCallMs)
{
    public double OutsideProtocolMs => Math.Round(ClientMs - ProtocolMs, 3);
    public double BesideSlowestCallMs => Math.Round(ProtocolMs - SlowestCallMs, 3);

    public static TailGroup Of(IReadOnlyCollection<OpSample> samples) => new(
        samples.Count,
        Math.Round(samples.Average(s => s.ClientMs), 3),
        Math.Round(samples.Average(s => s.ProtocolMs), 3),
        Math.Round(samples.Average(s => s.SlowestCallMs), 3));
}

// Where a phase's tail goes: the slowest 1 % of its operations (at least 5) against its median ones (40th to 60th
// percentile of the client's latency), both kinds (create, delete) together; the slowest five by id, for
// GET /v1/operations/{id} while the cluster runs. Operations with no report (no answer, busy) are not in it.
public sealed record TailBreakdown(int Operations, TailGroup Median, TailGroup Slowest, IReadOnlyList<OpSample> SlowestFive)
{
    public const int MinimumTail = 5;

    public static TailBreakdown? Of(IReadOnlyList<OpSample> samples)
    {
        if (samples.Count < MinimumTail * 2)
        {
            return null;
        }

        var sorted = samples.OrderBy(s => s.ClientMs).ToArray();
        var n = sorted.Length;
        var tail = Math.Max(MinimumTail, (int)Math.Ceiling(n * 0.01));
        var (from, to) = ((int)Math.Floor(n * 0.4), (int)Math.Ceiling(n * 0.6));
        return new TailBreakdown(
            n,
            TailGroup.Of(sorted[from..to]),
            TailGroup.Of(sorted[^tail..]),
            [.. sorted[^MinimumTail..].Reverse()]);
    }
}
