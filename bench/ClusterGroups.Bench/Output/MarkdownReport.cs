using System.Globalization;
using System.Text;
using ClusterGroups.Bench.Measurement;
using ClusterGroups.Bench.Scenarios;

namespace ClusterGroups.Bench.Output;

// The run as Markdown tables: printed on the console, saved next to the JSON, pasted into README's Performance section.
public static class MarkdownReport
{
    public static string Render(BenchReport report)
    {
        var md = new StringBuilder();
        var m = report.Machine;
        md.AppendLine(Invariant($"Run `{report.Mode}` of {report.StartedAt:yyyy-MM-dd HH:mm zzz}, commit {report.Commit ?? "?"}, store {report.Store}, {report.TotalSeconds:F0} s in all."));
        md.AppendLine(Invariant($"Machine: {m.Cores} cores ({m.Cpu}), {m.MemoryGb} GB, {m.Runtime}; load average {m.LoadAverageAtStart} at the start, {m.LoadAverageAtEnd} at the end."));
        if (m is { SpeedAtStart: { } start, SpeedAtEnd: { } end })
        {
            md.AppendLine(Invariant($"Hand-offs (medians, MachineSpeed): a system call (sched_yield) {start.SyscallMicros} µs at the start, {end.SyscallMicros} at the end; a loopback TCP round trip between two threads {start.LoopbackRoundTripMicros} µs at the start, {end.LoopbackRoundTripMicros} at the end."));
        }

        md.AppendLine();
        Latency(md, report);
        Throughput(md, report);
        Targets(md, report);
        Seed(md, report);
        Tail(md, report);
        Faults(md, report);
        Journal(md, report);
        Batching(md, report);
        Costs(md, report);
        foreach (var note in report.Notes)
        {
            md.AppendLine($"- {note}");
        }

        return md.ToString();
    }

    private static void Latency(StringBuilder md, BenchReport report)
    {
        md.AppendLine("Latency at concurrency 1 (ms)").AppendLine();
        md.AppendLine("| path | N | ops | p50 | p95 | p99 | max |").AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var run in report.Main)
        {
            foreach (var (phase, kind, label) in (ReadOnlySpan<(PhaseResult?, string, string)>)
                     [(run.DirectAt(1), "post", "direct POST (one node)"), (run.DirectAt(1), "delete", "direct DELETE (one node)"),
                      (run.ApiAt(1), "create", "Api create"), (run.ApiAt(1), "delete", "Api delete")])
            {
                if (phase is not null)
                {
                    var l = phase.Kind(kind);
                    md.AppendLine(Invariant($"| {label} | {run.Nodes} | {l.Count} | {l.P50Ms:F2} | {l.P95Ms:F2} | {l.P99Ms:F2} | {l.MaxMs:F1} |"));
                }
            }
        }

        md.AppendLine();
    }

    private static void Throughput(StringBuilder md, BenchReport report)
    {
        md.AppendLine("Throughput (operations/s; an operation is one create or one delete) and the Api's cost").AppendLine();
        md.AppendLine("| path | N | c=1 | c=16 | c=64 | Api CPU s per 1000 ops | Api peak memory MB |").AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var run in report.Main)
        {
            md.AppendLine(Invariant($"| direct (one node of N) | {run.Nodes} | {Ops(run.DirectAt(1))} | {Ops(run.DirectAt(16))} | {Ops(run.DirectAt(64))} | | |"));
            md.AppendLine(Invariant($"| Api | {run.Nodes} | {Ops(run.ApiAt(1))} | {Ops(run.ApiAt(16))} | {Ops(run.ApiAt(64))} | {run.ApiCpuSecondsPer1000Ops?.ToString("F2", CultureInfo.InvariantCulture) ?? "?"} | {run.ApiPeakMemoryMb?.ToString("F0", CultureInfo.InvariantCulture) ?? "?"} |"));
        }

        md.AppendLine();
    }

    private static void Targets(StringBuilder md, BenchReport report)
    {
        md.AppendLine("Targets of issues 15 and 27 (one run; fault-free figures at the default journal)").AppendLine();
        md.AppendLine("| target | goal | measured | met |").AppendLine("|---|---|---:|---|");
        foreach (var t in report.Targets)
        {
            md.AppendLine($"| {t.Target} | {t.Goal} | {t.Measured} | {t.Met switch { true => "yes", false => "**no**", _ => "?" }} |");
        }

        md.AppendLine();
        if (report.Figures.ApiCpuMsPerOpAt64.Count > 0)
        {
            md.AppendLine("Api CPU ms per operation at c=64, less its CPU at rest (reported, not a target): "
                          + string.Join(", ", report.Figures.ApiCpuMsPerOpAt64.OrderBy(kv => kv.Key).Select(kv => Invariant($"N={kv.Key} {kv.Value:F3}"))) + ".");
            md.AppendLine();
        }
    }

    private static void Seed(StringBuilder md, BenchReport report)
    {
        var seed = report.SeedClient;
        if (seed.Phases.Count == 0)
        {
            return;
        }

        var n3 = report.Main.FirstOrDefault(r => r.Nodes == SeedClientRun.Nodes);
        md.AppendLine(Invariant($"The seed's client in this run ({SeedClientRun.Seed} at {seed.Commit ?? "?"}, {seed.Python}): its {SeedClientRun.Nodes} Flask nodes on one SQLite database, its ClusterClient, one create or delete at a time per thread; the Api at N={SeedClientRun.Nodes} beside it")).AppendLine();
        md.AppendLine("| c | seed ops/s | seed p50 ms | seed p99 ms | seed failed | Api ops/s | Api p50 ms | Api p99 ms | Api / seed |").AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in seed.Phases)
        {
            var api = n3?.ApiAt(p.Concurrency);
            var ratio = api is not null && p.OpsPerSecond > 0 ? (api.OpsPerSecond / p.OpsPerSecond).ToString("F1", CultureInfo.InvariantCulture) : "";
            md.AppendLine(Invariant($"| {p.Concurrency} | {p.OpsPerSecond:F1} | {p.P50Ms:F2} | {p.P99Ms:F2} | {p.Failed} of {p.Operations} | {Ops(api)} | {api?.Latency.P50Ms:F2} | {api?.Latency.P99Ms:F2} | {ratio} |"));
        }

        // The targets divide by the seed's sequential rate, as the issue did; best against best is lower.
        if (n3?.Api.MaxBy(p => p.OpsPerSecond) is { } apiBest && seed.Phases.MaxBy(p => p.OpsPerSecond) is { OpsPerSecond: > 0 } seedBest)
        {
            md.AppendLine().AppendLine(Invariant($"Best against best: the Api's {apiBest.OpsPerSecond:F0} ops/s (c={apiBest.Concurrency}) / the seed's {seedBest.OpsPerSecond:F1} (c={seedBest.Concurrency}) = {apiBest.OpsPerSecond / seedBest.OpsPerSecond:F1} ×."));
        }

        md.AppendLine();
    }

    // Where the c=1 tail's time goes (TailBreakdown says what each column covers).
    private static void Tail(StringBuilder md, BenchReport report)
    {
        var runs = report.Main.Where(r => r.ApiAt(1)?.Tail is not null).ToList();
        if (runs.Count == 0)
        {
            return;
        }

        md.AppendLine("Where the time goes at c=1 (Api create and delete together; ms, averages): client = the bench's latency; protocol = the "
                      + "report's durationMs (journal begin to before the closing write); outside = client − protocol (HTTP, lease, last-entry read, "
                      + "closing journal write, answer); slowest call = the report's longest node call; beside it = protocol − slowest call").AppendLine();
        md.AppendLine("| N | operations | ops | client | protocol | outside | slowest call | beside it |").AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            var tail = run.ApiAt(1)!.Tail!;
            foreach (var (label, g) in new[] { ("median (40–60th percentile)", tail.Median), ("slowest 1 %", tail.Slowest) })
            {
                md.AppendLine(Invariant($"| {run.Nodes} | {label} | {g.Operations} | {g.ClientMs:F2} | {g.ProtocolMs:F2} | {g.OutsideProtocolMs:F2} | {g.SlowestCallMs:F2} | {g.BesideSlowestCallMs:F2} |"));
            }

            // The tail's extra time, column by column: where it goes.
            var (m, t) = (tail.Median, tail.Slowest);
            md.AppendLine(Invariant($"| {run.Nodes} | *slowest − median* | | {t.ClientMs - m.ClientMs:F2} | {t.ProtocolMs - m.ProtocolMs:F2} | {t.OutsideProtocolMs - m.OutsideProtocolMs:F2} | {t.SlowestCallMs - m.SlowestCallMs:F2} | {t.BesideSlowestCallMs - m.BesideSlowestCallMs:F2} |"));
        }

        md.AppendLine();
    }

    private static void Faults(StringBuilder md, BenchReport report)
    {
        foreach (var run in report.Main.Where(r => r.Faults.Count > 0))
        {
            var clean = run.ApiAt(run.Faults[0].Concurrency);
            md.AppendLine(Invariant($"Under faults (N={run.Nodes}, concurrency {run.Faults[0].Concurrency}, every fault kind at the combined rate on every node; ")
                          + "\"met Retry-After\": operations in which a node answered with Retry-After, which the protocol honoured)").AppendLine();
            md.AppendLine("| fault rate | ops | committed or already so | outcomes | p50 ms | p99 ms | met Retry-After | p99 ms of the others | p99 / fault-free | others' p99 / fault-free |")
                .AppendLine("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|");
            foreach (var p in (clean is null ? [] : new[] { clean }).Concat(run.Faults))
            {
                double Ratio(double p99) => clean is { Latency.P99Ms: > 0 } ? p99 / clean.Latency.P99Ms : 0;
                md.AppendLine(Invariant($"| {p.FaultRate} | {p.Operations} | {p.SuccessRate:P2} | {Outcomes(p)} | {p.Latency.P50Ms:F2} | {p.Latency.P99Ms:F1} | {p.MetRetryAfter} | {p.NoRetryAfter.P99Ms:F1} | {Ratio(p.Latency.P99Ms):F1} | {Ratio(p.NoRetryAfter.P99Ms):F1} |"));
            }

            if (run.AfterFaults is { } after)
            {
                md.AppendLine().AppendLine($"After the fault phases: {after.OpenOperations} operations still open; consistency report: {after.Consistency}");
            }

            md.AppendLine();
        }
    }

    private static void Journal(StringBuilder md, BenchReport report)
    {
        if (report.Figures.Journal is { } j)
        {
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Journal cost (N={j.Nodes}): create p50 {j.CreateP50WithMs:F2} ms with the {j.WithJournal} journal, {j.CreateP50WithoutMs:F2} ms in memory "
                                    + $"(the journal's share: {j.Share:P0}); c=64 throughput {j.OpsPerSecondWithAt64:F0} vs {j.OpsPerSecondWithoutAt64:F0} ops/s.")).AppendLine();
        }
    }

    // The batching A/B: the default start against the one with Cluster:Batching:Enabled=false, same N; capacity is
    // Api ops/s x N / direct ops/s at the same concurrency in the same start.
    private static void Batching(StringBuilder md, BenchReport report)
    {
        var off = report.Runs.FirstOrDefault(r => r.Variant == SizeRunVariants.NoBatching);
        var again = report.Runs.FirstOrDefault(r => r.Variant == SizeRunVariants.BatchingOnAgain);
        var far = report.Runs.FirstOrDefault(r => r.Variant == SizeRunVariants.NodeRoundTrip);
        if ((off ?? far) is not { } variant || report.Main.FirstOrDefault(r => r.Nodes == variant.Nodes) is not { } on)
        {
            return;
        }

        md.AppendLine(Invariant($"Batching A/B (N={on.Nodes}): node write requests per operation, writes per request (the mean batch), and capacity = Api ops/s × N / direct ops/s at the same concurrency in the same start; \"on, again\": the default started once more after \"off\", c=1 only, for the c=1 targets (on, off, on); \"on, round trip\": every node adds a round trip to each request (Api and direct alike)")).AppendLine();
        md.AppendLine("| batching | c | ops/s | p50 ms | p99 ms | node write requests / op | writes / request | capacity |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        var rows = new[] { ("on", (SizeResult?)on), ("off", off), ("on, again", again), ("on, round trip", far) }
            .Where(r => r.Item2 is not null).Select(r => (r.Item1, r.Item2!));
        foreach (var (label, run) in rows)
        {
            foreach (var p in run.Api)
            {
                var direct = run.DirectAt(p.Concurrency);
                var capacity = direct is { OpsPerSecond: > 0 } ? (p.OpsPerSecond * run.Nodes / direct.OpsPerSecond).ToString("F2", CultureInfo.InvariantCulture) : "";
                md.AppendLine(Invariant($"| {label} | {p.Concurrency} | {p.OpsPerSecond:F0} | {p.Latency.P50Ms:F2} | {p.Latency.P99Ms:F2} | {p.NodeRequestsPerOp?.ToString("F2", CultureInfo.InvariantCulture) ?? ""} | {p.WritesPerNodeRequest?.ToString("F2", CultureInfo.InvariantCulture) ?? ""} | {capacity} |"));
            }
        }

        md.AppendLine();
    }

    private static void Costs(StringBuilder md, BenchReport report)
    {
        md.AppendLine("Cost per operation at concurrency 64: node calls the Api reported, store commands (summed over the node stores; the journal's "
                      + "store apart), CPU ms per operation by process role less their CPU use at rest, TCP connections to the nodes at the end of the phase").AppendLine();
        md.AppendLine("| path | N | node calls | node write requests | writes per request | store cmds | journal cmds | api | nodes | node stores | journal store | dcp + launchers | bench | conns to nodes | TIME_WAIT |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in report.Runs)
        {
            foreach (var p in new[] { run.DirectAt(64), run.ApiAt(64) }.OfType<PhaseResult>())
            {
                string Cpu(string role) => p.NetCpuMsPerOp.TryGetValue(role, out var v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "";
                var label = p.Path == "api" && run.Variant != SizeRunVariants.Default ? $"api ({run.Variant})" : p.Path;
                md.AppendLine(Invariant($"| {label} | {run.Nodes} | {p.NodeCallsPerOp?.ToString("F2", CultureInfo.InvariantCulture) ?? ""} | {p.NodeRequestsPerOp?.ToString("F2", CultureInfo.InvariantCulture) ?? ""} | {p.WritesPerNodeRequest?.ToString("F2", CultureInfo.InvariantCulture) ?? ""} | {p.StoreCommandsPerOp?.ToString("F2", CultureInfo.InvariantCulture) ?? ""} | {p.CoordinatorCommandsPerOp?.ToString("F2", CultureInfo.InvariantCulture) ?? ""} | {Cpu("api")} | {Cpu("nodes")} | {Cpu("stores")} | {Cpu("journal")} | {Cpu("orchestration")} | {Cpu("bench")} | {p.ConnectionsToNodes} | {p.TimeWaitToNodes} |"));
            }
        }

        md.AppendLine();
    }

    private static string Ops(PhaseResult? phase) => phase is null ? "" : phase.OpsPerSecond.ToString("F0", CultureInfo.InvariantCulture);

    private static string Outcomes(PhaseResult phase) =>
        string.Join(", ", phase.Outcomes.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
