using ScottPlot;

namespace ClusterGroups.Bench.Output;

// Two PNG charts: Api latency against the node count, and throughput against concurrency.
public static class Charts
{
    public const string LatencyFile = "latency-vs-nodes.png";
    public const string ThroughputFile = "throughput-vs-concurrency.png";

    public static void Write(BenchReport report, string directory)
    {
        var runs = report.Main.OrderBy(r => r.Nodes).ToList();
        if (runs.Count == 0)
        {
            return;
        }

        LatencyVsNodes(runs, Path.Combine(directory, LatencyFile));
        ThroughputVsConcurrency(runs, report.SeedClient, Path.Combine(directory, ThroughputFile));
    }

    private static void LatencyVsNodes(IReadOnlyList<SizeResult> runs, string path)
    {
        var plot = new Plot();
        double[] nodes = [.. runs.Select(r => (double)r.Nodes)];
        var palette = new ScottPlot.Palettes.Category10();
        var series = new (string Label, Func<SizeResult, double> Value, bool Dashed)[]
        {
            ("Api create p50", r => r.ApiAt(1)?.Kind("create").P50Ms ?? 0, false),
            ("Api create p95", r => r.ApiAt(1)?.Kind("create").P95Ms ?? 0, false),
            ("Api create p99", r => r.ApiAt(1)?.Kind("create").P99Ms ?? 0, false),
            ("direct POST p50 (one node)", r => r.DirectAt(1)?.Kind("post").P50Ms ?? 0, true),
        };
        for (var i = 0; i < series.Length; i++)
        {
            // Latencies span three orders of magnitude: plotted as log10(ms), labelled in ms.
            var line = plot.Add.Scatter(nodes, [.. runs.Select(r => Math.Log10(Math.Max(0.01, series[i].Value(r))))]);
            line.LegendText = series[i].Label;
            line.Color = palette.GetColor(i);
            line.LineWidth = 2;
            line.MarkerSize = 8;
            if (series[i].Dashed)
            {
                line.LinePattern = LinePattern.Dashed;
            }
        }

        plot.Title("Latency at concurrency 1 vs node count");
        plot.XLabel("nodes (N)");
        plot.YLabel("ms (log scale)");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(nodes, [.. runs.Select(r => r.Nodes.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Axes.AutoScale();
        var limits = plot.Axes.GetLimits();
        plot.Axes.SetLimitsY(Math.Floor(limits.Bottom), Math.Ceiling(limits.Top));
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 560);
    }

    private static void ThroughputVsConcurrency(IReadOnlyList<SizeResult> runs, SeedClientResult seed, string path)
    {
        var plot = new Plot();
        var levels = BenchProfile.Concurrency;
        double[] xs = [.. levels.Select((_, i) => (double)i)];
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var api = plot.Add.Scatter(xs, [.. levels.Select(c => run.ApiAt(c)?.OpsPerSecond ?? 0)]);
            api.LegendText = $"Api, N={run.Nodes}";
            api.Color = palette.GetColor(i);
            api.LineWidth = 2;
            api.MarkerSize = 8;

            var direct = plot.Add.Scatter(xs, [.. levels.Select(c => run.DirectAt(c)?.OpsPerSecond ?? 0)]);
            direct.LegendText = $"direct to one node (N={run.Nodes} running)";
            direct.Color = palette.GetColor(i);
            direct.LinePattern = LinePattern.Dashed;
            direct.MarkerSize = 6;
        }

        // The seed's client (its own three nodes) where it was measured in the run: issue 27's reference.
        var seedPhases = seed.Phases.Where(p => levels.Contains(p.Concurrency)).ToList();
        if (seedPhases.Count > 0)
        {
            double[] at = [.. seedPhases.Select(p => (double)levels.TakeWhile(c => c != p.Concurrency).Count())];
            double[] ops = [.. seedPhases.Select(p => p.OpsPerSecond)];
            var line = plot.Add.Scatter(at, ops);
            line.LegendText = "the seed's client (its 3 nodes)";
            line.Color = Colors.Black;
            line.LineWidth = 2;
            line.MarkerSize = 8;
            // Two orders of magnitude below the rest, it would read as the axis: each point says its figure.
            for (var i = 0; i < at.Length; i++)
            {
                var label = plot.Add.Text($"seed {ops[i].ToString("F0", System.Globalization.CultureInfo.InvariantCulture)} ops/s", at[i], ops[i]);
                label.LabelFontColor = Colors.Black;
                label.LabelFontSize = 12;
                label.LabelAlignment = Alignment.LowerLeft;
                label.OffsetX = 10;
                label.OffsetY = -2;
            }
        }

        plot.Title("Throughput vs concurrency (create + delete operations/s)");
        plot.XLabel("concurrent clients");
        plot.YLabel("operations/s");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs, [.. levels.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        plot.Axes.AutoScale();
        plot.Axes.SetLimitsY(0, plot.Axes.GetLimits().Top * 1.1);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 560);
    }
}
