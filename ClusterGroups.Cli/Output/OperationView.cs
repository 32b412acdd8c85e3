using Spectre.Console;

namespace ClusterGroups.Cli.Output;

// One create/delete (or `op <id>`): its outcome in one line, and with --verbose what happened on every node.
public static class OperationView
{
    public static void Write(CliContext context, OperationResult result, bool verbose)
    {
        if (!result.Code.IsOutcome())
        {
            context.Host.Error.MarkupLineInterpolated($"[red]error:[/] {result.Message}");
            if (context.Verbose && result.Answer is { Body.Length: > 0 } answer)
            {
                context.Host.Error.MarkupLineInterpolated($"[grey]{answer.Body}[/]");
            }

            return;
        }

        if (context.Json)
        {
            return;
        }

        WriteReport(context.Out, result.Code, result.GroupId, result.Message, result.Report, verbose);
    }

    public static void WriteReport(IAnsiConsole console, ExitCode code, string groupId, string message, OperationReport? report, bool verbose)
    {
        var kind = report?.Kind.ToString().ToLowerInvariant() ?? "operation";
        var where = report is null ? "" : $" [grey]({Markup.Escape(report.OperationId ?? "")}, {Styles.Ms(report.DurationMs)})[/]";
        console.MarkupLine($"[{code.Color()}]{code.Name()}[/] {Markup.Escape($"{kind} '{groupId}': {message}")}{where}");
        switch (code)
        {
            case ExitCode.RolledBack:
                console.MarkupLine("Nothing changed; it is safe to send again.");
                break;
            case ExitCode.PendingRepair when report?.OperationId is { } id:
                console.MarkupLineInterpolated($"The Api finishes the rollback by itself; follow it with: groups op {id}");
                break;
            case ExitCode.Abandoned:
                console.MarkupLine("Nobody finishes it: the nodes may differ; see groups status, and groups reconcile.");
                break;
        }

        // Audit: who asked for it, and what operators did to it since.
        if (verbose && report is not null)
        {
            console.MarkupLineInterpolated($"[grey]asked by:[/] {report.Caller ?? "(no key: the Api is open)"}");
            foreach (var action in report.Actions ?? [])
            {
                console.MarkupLineInterpolated($"[grey]{action.Action} by {action.By ?? "(no key)"} at {action.At:u}[/]{(action.Reason is null ? "" : $": {action.Reason}")}");
            }
        }

        if (verbose && report?.Nodes is { Count: > 0 } nodes)
        {
            console.Write(NodeTable(nodes));
        }
    }

    // Per node: effect, what was done, the compensation, and every call with phase, attempt, answer and time.
    public static Table NodeTable(IEnumerable<NodeReport> nodes)
    {
        var table = Styles.Table("Node", "Effect", "Action", "Compensation", "Calls (phase #attempt: answer, time)", "Total");
        foreach (var node in nodes)
        {
            table.AddRow(
                Styles.Plain(node.Node),
                Styles.Plain(node.Effect.ToString()),
                Styles.Plain(node.Action),
                Styles.Plain(node.Compensation.ToString()),
                Styles.Plain(string.Join('\n', (node.Calls ?? []).Select(Describe))),
                Styles.Plain(Styles.Ms(node.DurationMs)));
        }

        return table;
    }

    public static string Describe(CallReport call)
    {
        var answer = call.Call.Status is { } status ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : call.Call.Error?.ToString() ?? "no answer";
        var detail = string.IsNullOrEmpty(call.Call.Detail) ? "" : $" ({call.Call.Detail})";
        return $"{PhaseNames.Of(call.Phase)} #{call.Attempt} {call.Call.Request}: {answer}{detail}, {Styles.Ms(call.Call.DurationMs)}";
    }
}
