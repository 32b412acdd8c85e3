using Spectre.Console;

namespace ClusterGroups.Cli.Output;

public static class OperationListView
{
    public static void Write(IAnsiConsole console, OperationList list, bool openOnly)
    {
        if (list.Operations.Count == 0)
        {
            console.MarkupLine(openOnly ? "No open operations." : "No operations.");
            return;
        }

        var table = Styles.Table("Operation", "Kind", "Group", "Outcome", "Started", "Time", "Summary");
        foreach (var op in list.Operations)
        {
            table.AddRow(
                Styles.Plain(op.OperationId),
                Styles.Plain(op.Kind.ToString()),
                Styles.Plain(op.GroupId),
                Styles.Badge(op.Outcome),
                Styles.Plain(Styles.Time(op.StartedAt)),
                Styles.Plain(Styles.Ms(op.DurationMs)),
                Styles.Plain(op.Summary));
        }

        console.Write(table);
    }
}
