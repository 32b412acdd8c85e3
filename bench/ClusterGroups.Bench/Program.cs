using ClusterGroups.Bench;
using ClusterGroups.Bench.Output;
using ClusterGroups.Bench.Scenarios;

BenchOptions? options;
try
{
    options = BenchOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (options is null)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

if (options.ScriptPhase is { } phase)
{
    Console.WriteLine(await ScriptRun.RunAsync(phase, stop.Token));
    return 0;
}

if (options.ChartsFrom is { } saved)
{
    // Draws a saved run's charts again (after a change to the charts), from its bench.json.
    var savedReport = ReportWriter.Read(saved);
    Charts.Write(savedReport, saved);
    Console.WriteLine($"Charts of {savedReport.StartedAt:yyyy-MM-dd HH:mm} written to {saved}");
    return 0;
}

if (options.SeedOnly)
{
    var seed = await SeedClientRun.RunAsync(options, stop.Token);
    Console.WriteLine(seed.NotMeasuredBecause ?? $"The seed's client ({SeedClientRun.Seed} at {seed.Commit}, {seed.Python}): "
        + string.Join("; ", seed.Phases.Select(p => FormattableString.Invariant($"c={p.Concurrency} {p.OpsPerSecond:F1} ops/s, p50 {p.P50Ms:F2} ms, p99 {p.P99Ms:F2} ms, {p.Failed} of {p.Operations} failed"))));
    return seed.NotMeasuredBecause is null ? 0 : 1;
}

if (options.State)
{
    Console.WriteLine($"Results: {await StateRun.RunAsync(options, stop.Token)}");
    return 0;
}

if (options.Backfill)
{
    Console.WriteLine($"Results: {await BackfillRun.RunAsync(options, stop.Token)}");
    return 0;
}

if (options.CompareCoordinators is { } coordinators)
{
    Console.WriteLine($"Results: {await CoordinatorRun.RunAsync(options, coordinators, stop.Token)}");
    return 0;
}

if (options.ColdStart)
{
    Console.WriteLine($"Results: {await ColdStartRun.RunAsync(options, stop.Token)}");
    return 0;
}

var report = await BenchRun.RunAsync(options, stop.Token);
var markdown = MarkdownReport.Render(report);
var directory = ReportWriter.Write(report, markdown, options.OutputDirectory ?? ReportWriter.DefaultDirectory(options.Mode));
Console.WriteLine();
Console.WriteLine(markdown);
Console.WriteLine($"Results: {directory}");
return 0;
