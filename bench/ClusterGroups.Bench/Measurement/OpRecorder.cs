using HdrHistogram;

namespace ClusterGroups.Bench.Measurement;

// What one worker saw: a latency histogram per operation kind (microseconds), how each operation ended, and how many
// node calls the Api reported making. Operations that met a node's Retry-After also count apart, and the others go
// into a histogram of their own, so a wait the protocol was asked for is not taken for one it could avoid. With
// keepSamples, every operation's timings are kept too (for the tail breakdown). One per worker, merged at the end of
// a phase, so recording takes no lock.
public sealed class OpRecorder(bool keepSamples = false)
{
    // Up to 10 minutes, 3 significant digits.
    private const long HighestMicroseconds = 600_000_000;

    private readonly List<OpSample> _samples = [];

    public Dictionary<string, LongHistogram> Latency { get; } = new(StringComparer.Ordinal);
    public LongHistogram NoRetryAfter { get; } = NewHistogram();
    public Dictionary<string, long> Outcomes { get; } = new(StringComparer.Ordinal);
    public long Operations { get; private set; }
    public long Succeeded { get; private set; }
    public long MetRetryAfter { get; private set; }
    public long NodeCalls { get; private set; }
    public long NodeCallsReported { get; private set; }
    public IReadOnlyList<OpSample> Samples => _samples;

    public void Record(string kind, TimeSpan elapsed, string outcome, bool succeeded, int? nodeCalls = null,
        bool metRetryAfter = false, ReportTiming? timing = null)
    {
        var microseconds = Math.Clamp(elapsed.Ticks / TimeSpan.TicksPerMicrosecond, 1, HighestMicroseconds);
        Histogram(kind).RecordValue(microseconds);
        if (metRetryAfter)
        {
            MetRetryAfter++;
        }
        else
        {
            NoRetryAfter.RecordValue(microseconds);
        }

        Outcomes[$"{kind}:{outcome}"] = Outcomes.GetValueOrDefault($"{kind}:{outcome}") + 1;
        Operations++;
        Succeeded += succeeded ? 1 : 0;
        if (nodeCalls is { } calls)
        {
            NodeCalls += calls;
            NodeCallsReported++;
        }

        if (keepSamples && timing is { } t)
        {
            _samples.Add(new OpSample(kind, t.OperationId, elapsed.TotalMilliseconds, t.ProtocolMs, t.SlowestCallMs, metRetryAfter));
        }
    }

    public void Add(OpRecorder other)
    {
        foreach (var (kind, histogram) in other.Latency)
        {
            Histogram(kind).Add(histogram);
        }

        NoRetryAfter.Add(other.NoRetryAfter);
        foreach (var (outcome, count) in other.Outcomes)
        {
            Outcomes[outcome] = Outcomes.GetValueOrDefault(outcome) + count;
        }

        Operations += other.Operations;
        Succeeded += other.Succeeded;
        MetRetryAfter += other.MetRetryAfter;
        NodeCalls += other.NodeCalls;
        NodeCallsReported += other.NodeCallsReported;
        _samples.AddRange(other._samples);
    }

    // Every kind together (e.g. create and delete).
    public LongHistogram All()
    {
        var all = NewHistogram();
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
            Latency[kind] = histogram = NewHistogram();
        }

        return histogram;
    }

    private static LongHistogram NewHistogram() => new(HighestMicroseconds, 3);
}
