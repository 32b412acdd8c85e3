using System.Diagnostics;
using ClusterGroups.Bench.Measurement;
using ClusterGroups.Bench.Output;
using ClusterGroups.Bench.Target;

namespace ClusterGroups.Bench.Scenarios;

// The whole run: the seed's client first (when --seed-repo gives it), one app start per node count (faults measured
// on one of them), then, when the AppHost has a coordinator store, one more start with the in-memory journal for the
// journal's cost. Every app is disposed before the next starts.
public static class BenchRun
{
    public static async Task<BenchReport> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var startedAt = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var loadAtStart = Machine.LoadAverage();
        var speedAtStart = MachineSpeed.Measure();
        var runs = new List<SizeResult>();
        var notes = new List<string>();

        // First, on the machine as the run found it: no app of ours is running yet.
        var seed = options.External ? SeedClientResult.NotMeasured("external mode") : await SeedClientRun.RunAsync(options, ct);

        if (options.External)
        {
            await using var cluster = new ExternalCluster(options.ApiUrl!, options.NodeUrls);
            runs.Add(await SizeRun.RunAsync(cluster, options, SizeRunVariants.Default, options.FaultSize != 0, ct));
            notes.Add("External cluster: node stores unknown, so store commands per operation are not measured.");
        }
        else
        {
            foreach (var n in options.Sizes)
            {
                var cluster = await AspireCluster.StartAsync(n, options, [], ct);
                runs.Add(await RunThenStopAsync(cluster, options, SizeRunVariants.Default, n == options.FaultSize, ct));
            }

            if (!options.SkipJournalRun)
            {
                await MeasureJournalAsync(options, runs, notes, ct);
            }

            if (!options.SkipBatchingRun)
            {
                await MeasureWithoutBatchingAsync(options, runs, ct);
            }

            if (!options.SkipSingleCallClientRun)
            {
                await MeasureSingleCallClientAsync(options, runs, ct);
            }

            if (options.NodeRoundTrip > TimeSpan.Zero)
            {
                await MeasureWithRoundTripAsync(options, runs, notes, ct);
            }

            notes.Add(options.KeepOtlpExport
                ? "OTLP export kept as the testing builder sets it (no dashboard runs, so every export fails)."
                : "OTLP export off (OTEL_EXPORTER_OTLP_ENDPOINT cleared): the testing builder runs no dashboard; tracing and metrics still run in every service.");
            notes.Add(options.Development
                ? "Services in the Development environment (--development), as the AppHost runs them locally."
                : "Services in the Production environment, as deployed (the testing builder's default, Development, adds the developer exception page and DI scope checks).");
        }

        if (seed.NotMeasuredBecause is { } because)
        {
            notes.Add($"The seed's client was not measured ({because}): issue 27's targets against it use the issue's figure, {SeedClientResult.IssueFigure} ops/s.");
        }

        var figures = Analysis.Compute(runs);
        return new BenchReport(
            options.Mode,
            options.External ? "external" : options.DurableAcks ? options.Store : $"{options.Store} (acks not durable)",
            startedAt,
            Math.Round(clock.Elapsed.TotalSeconds, 1),
            GitCommit(),
            Machine.Describe(loadAtStart, speedAtStart),
            runs,
            figures,
            Analysis.Targets(runs, figures, seed),
            notes,
            seed);
    }

    // Journal cost: the default run of the journal size used the coordinator; this start runs the in-memory journal.
    private static async Task MeasureJournalAsync(BenchOptions options, List<SizeResult> runs, List<string> notes, CancellationToken ct)
    {
        var size = options.Sizes.Contains(3) ? 3 : options.Sizes[^1];
        var withJournal = runs.First(r => r.Nodes == size);
        if (!JournalSwitch.IsCoordinator(withJournal.Journal))
        {
            notes.Add($"Journal cost not measured: this AppHost has no '{JournalSwitch.CoordinatorResource}' resource, so the Api ran its "
                      + $"in-memory journal throughout. Once it has one, the bench measures both by itself ({string.Join(' ', JournalSwitch.InMemoryArgs)}).");
            return;
        }

        var cluster = await AspireCluster.StartAsync(size, options, JournalSwitch.InMemoryArgs, ct);
        if (cluster.HasCoordinator == true)
        {
            notes.Add($"{string.Join(' ', JournalSwitch.InMemoryArgs)} did not remove the '{JournalSwitch.CoordinatorResource}' resource; "
                      + "the journal comparison is of two runs with it.");
        }

        runs.Add(await RunThenStopAsync(cluster, options, SizeRunVariants.InMemoryJournal, withFaults: false, ct));
    }

    // The batching A/B: the same node count once more, every write one request to the Api and the Api's writes to the
    // nodes one request each; then the default once more at c=1 (SizeRunVariants.BatchingOnAgain: on, off, on).
    private static async Task MeasureWithoutBatchingAsync(BenchOptions options, List<SizeResult> runs, CancellationToken ct)
    {
        var size = options.Sizes.Contains(3) ? 3 : options.Sizes[^1];
        var off = await AspireCluster.StartAsync(size, options, [], ct,
            new Dictionary<string, string> { ["Cluster__Batching__Enabled"] = "false" });
        runs.Add(await RunThenStopAsync(off, options, SizeRunVariants.NoBatching, withFaults: false, ct));
        var again = await AspireCluster.StartAsync(size, options, [], ct);
        runs.Add(await RunThenStopAsync(again, options, SizeRunVariants.BatchingOnAgain, withFaults: false, ct));
    }

    // The Api as a client that does not batch calls it: the same node count once more, every write its own request.
    private static async Task MeasureSingleCallClientAsync(BenchOptions options, List<SizeResult> runs, CancellationToken ct)
    {
        var size = options.Sizes.Contains(3) ? 3 : options.Sizes[^1];
        var cluster = await AspireCluster.StartAsync(size, options, [], ct);
        runs.Add(await RunThenStopAsync(cluster, options, SizeRunVariants.SingleCallClient, withFaults: false, ct));
    }

    // Loopback hides what a network costs: the same node count once more, every request to a node held for a round
    // trip first, so the Api's requests per operation (what batching saves) cost what they would across machines.
    private static async Task MeasureWithRoundTripAsync(BenchOptions options, List<SizeResult> runs, List<string> notes, CancellationToken ct)
    {
        var size = options.Sizes.Contains(3) ? 3 : options.Sizes[^1];
        var delay = options.NodeRoundTrip.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        var cluster = await AspireCluster.StartAsync(size, options, [], ct,
            nodeEnvironment: new Dictionary<string, string> { ["Node__NetworkDelay"] = delay });
        runs.Add(await RunThenStopAsync(cluster, options, SizeRunVariants.NodeRoundTrip, withFaults: false, ct));
        notes.Add($"Round trip to the nodes: every request to a node waited {options.NodeRoundTrip.TotalMilliseconds:0.###} ms before it was served (Node:NetworkDelay; --rtt-ms).");
    }

    // One start measured as `variant`, then stopped whether or not its run completed.
    private static async Task<SizeResult> RunThenStopAsync(AspireCluster cluster, BenchOptions options, string variant, bool withFaults, CancellationToken ct)
    {
        try
        {
            return await SizeRun.RunAsync(cluster, options, variant, withFaults, ct);
        }
        finally
        {
            await StopAsync(cluster);
        }
    }

    private static async Task StopAsync(AspireCluster cluster)
    {
        var clock = Stopwatch.StartNew();
        await cluster.DisposeAsync();
        Console.WriteLine($"  stopped in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static string? GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true });
            var commit = git?.StandardOutput.ReadToEnd().Trim();
            git?.WaitForExit(5000);
            return string.IsNullOrEmpty(commit) ? null : commit;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
