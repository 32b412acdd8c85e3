using HdrHistogram;

namespace ClusterGroups.Bench.Measurement;

// What one worker saw: a latency histogram per operation kind (microseconds), how each operation ended, and how many
// node calls the Api reported making. One per worker, merged at the end of a phase, so recording takes no lock.
public sealed class OpRecorder
{
    // Up to 10 minutes, 3 significant digits.
    private const long HighestMicroseconds = 600_000_000;

    public Dictionary<string, LongHistogram> Latency { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> Outcomes { get; } = new(StringComparer.Ordinal);
    public long Operations { get; private set; }
    public long Succeeded { get; private set; }
    public long NodeCalls { get; private set; }
    public long NodeCallsReported { get; private set; }

    public void Record(string kind, TimeSpan elapsed, string outcome, bool succeeded, int? nodeCalls = null)
    {
        Histogram(kind).RecordValue(Math.Clamp(elapsed.Ticks / TimeSpan.TicksPerMicrosecond, 1, HighestMicroseconds));
        Outcomes[$"{kind}:{outcome}"] = Outcomes.GetValueOrDefault($"{kind}:{outcome}") + 1;
        Operations++;
        Succeeded += succeeded ? 1 : 0;
        if (nodeCalls is { } calls)
        {
            NodeCalls += calls;
            NodeCallsReported++;
        }
    }

    public void Add(OpRecorder other)
    {
        foreach (var (kind, histogram) in other.Latency)
        {
            Histogram(kind).Add(histogram);
        }

        foreach (var (outcome, count) in other.Outcomes)
        {
            Outcomes[outcome] = Outcomes.GetValueOrDefault(outcome) + count;
        }

        Operations += other.Operations;
        Succeeded += other.Succeeded;
        NodeCalls += other.NodeCalls;
        NodeCallsReported += other.NodeCallsReported;
    }

    // Every kind together (e.g. create and delete).
    public LongHistogram All()
    {
        var all = new LongHistogram(HighestMicroseconds, 3);
        foreach (var histogram in Latency.Values)
        {
            all.Add(histogram);
        }

        return all;
    }

    private LongHistogram Histogram(string kind)
    {
        if (!Latency.TryGetValue(kind, out var histogram))
        {
            Latency[kind] = histogram = new LongHistogram(HighestMicroseconds, 3);
        }

        return histogram;
    }
}
