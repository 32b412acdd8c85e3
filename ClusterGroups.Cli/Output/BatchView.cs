using Spectre.Console;

namespace ClusterGroups.Cli.Output;

// A batch of creates or deletes: counts per outcome, the ids that did not commit (all with --verbose), exit code.
public static class BatchView
{
    public static void Write(CliContext context, bool create, IReadOnlyList<OperationResult> results)
    {
        var console = context.Out;
        var counts = Styles.Table("Outcome", "Groups", "Exit code");
        foreach (var group in results.GroupBy(r => r.Code).OrderBy(g => g.Key))
        {
            counts.AddRow(group.Key.Badge(), Styles.Plain(group.Count().ToString()), Styles.Plain(((int)group.Key).ToString()));
        }

        console.Write(counts);

        var shown = context.Verbose ? results : [.. results.Where(r => r.Code != ExitCode.Committed)];
        if (shown.Count > 0)
        {
            var items = Styles.Table("Group", "Outcome", "What happened", "Operation");
            foreach (var result in shown)
            {
                items.AddRow(Styles.Plain(result.GroupId), result.Code.Badge(), Styles.Plain(result.Message),
                    Styles.Plain(result.Report?.OperationId));
            }

            items.Columns[3].NoWrap = true;
            console.Write(items);
        }

        if (context.Verbose)
        {
            foreach (var result in results.Where(r => r.Report?.Nodes is { Count: > 0 }))
            {
                console.MarkupLineInterpolated($"[bold]{result.GroupId}[/]");
                console.Write(OperationView.NodeTable(result.Report!.Nodes!));
            }
        }

        var worst = ExitCodes.Worst(results.Select(r => r.Code));
        console.MarkupLineInterpolated(
            $"{(create ? "create" : "delete")} of {results.Count} groups: exit code {(int)worst} ({worst.Name()}), the worst outcome seen.");
    }

    public static void WriteJson(CliContext context, bool create, IReadOnlyList<OperationResult> results)
    {
        var worst = ExitCodes.Worst(results.Select(r => r.Code));
        context.WriteJson(new
        {
            command = create ? "create" : "delete",
            total = results.Count,
            exitCode = (int)worst,
            outcome = worst.ToString(),
            counts = results.GroupBy(r => r.Code).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(), g => g.Count()),
            results = results.Select(r => new
            {
                groupId = r.GroupId,
                exitCode = (int)r.Code,
                outcome = r.Code.ToString(),
                status = r.Answer?.Code,
                operationId = r.Report?.OperationId,
                message = r.Message,
                answer = r.Answer is null ? null : CliContext.ParseJson(r.Answer.Body),
            }),
        });
    }
}
