using HdrHistogram;

namespace ClusterGroups.Bench.Measurement;

// Percentiles of one histogram, in milliseconds.
public sealed record LatencySummary(long Count, double P50Ms, double P95Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary Of(HistogramBase histogram) => histogram.TotalCount == 0
        ? new LatencySummary(0, 0, 0, 0, 0, 0, 0)
        : new LatencySummary(
            histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(95)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()),
            Math.Round(histogram.GetMean() / 1000.0, 3));

    private static double Ms(long microseconds) => Math.Round(microseconds / 1000.0, 3);
}
