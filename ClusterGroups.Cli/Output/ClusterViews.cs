using Spectre.Console;

namespace ClusterGroups.Cli.Output;

public static class ClusterViews
{
    public static void Write(IAnsiConsole console, ClusterView view)
    {
        var table = Styles.Table("Node", "Role", "Address", "Reachable", "Latency", "Groups", "Idempotency-Key", "Error");
        foreach (var node in view.Nodes)
        {
            table.AddRow(
                Styles.Plain(node.Name),
                Styles.Plain(node.Role),
                Styles.Plain(node.Address),
                new Markup(node.Reachable ? "[green]yes[/]" : "[red]no[/]"),
                Styles.Plain(Styles.Ms(node.LatencyMs)),
                Styles.Plain(node.GroupCount?.ToString() ?? ""),
                Styles.Plain(node.HonoursIdempotency ? "honoured" : "ignored"),
                Styles.Plain(node.Error));
        }

        console.Write(table);
        console.MarkupLine(Markup.Escape($"{view.ReachableCount} of {view.NodeCount} nodes reachable"
            + (view.Epoch > 0 ? $" (membership epoch {view.Epoch})." : ".")));
    }

    public static void Write(IAnsiConsole console, MembershipView view)
    {
        var table = Styles.Table("Node", "Role", "Address");
        foreach (var member in view.Members)
        {
            table.AddRow(Styles.Plain(member.Name), Styles.Plain(member.Role), Styles.Plain(member.Address ?? "(configured)"));
        }

        console.Write(table);
        console.MarkupLine(Markup.Escape($"Membership epoch {view.Epoch}."));
    }

    // Only divergent groups are listed (a consistent group is on every node): one row each, one column per node.
    public static void Write(IAnsiConsole console, ConsistencyReport report)
    {
        var unreachable = report.Unreachable ?? [];
        if (report.Divergent.Count == 0)
        {
            console.MarkupLine(report.Consistent
                ? Markup.Escape($"Consistent: every group is on every node (checked {Styles.Time(report.CheckedAt)}).")
                : $"[darkorange]{Markup.Escape($"Not known to be consistent{GroupViews.Unreachable(unreachable)} (checked {Styles.Time(report.CheckedAt)}).")}[/]");
            return;
        }

        var table = Styles.Table(["Group", .. report.Nodes, "Last operation"]);
        foreach (var group in report.Divergent)
        {
            var cells = new List<Markup> { new(Markup.Escape(group.GroupId)) };
            cells.AddRange(report.Nodes.Select(node =>
                group.PresentOn.Contains(node) ? new Markup("[green]present[/]")
                : group.MissingOn.Contains(node) ? new Markup("[red]missing[/]")
                : new Markup(unreachable.Contains(node) ? "[grey]unreachable[/]" : "[grey]?[/]")));
            cells.Add(new Markup(Markup.Escape(Describe(group.LastOperation))));
            table.AddRow(cells);
        }

        console.Write(table);
        console.MarkupLine($"[darkorange]{Markup.Escape(
            $"{report.Divergent.Count} groups are not on every node{GroupViews.Unreachable(unreachable)} (checked {Styles.Time(report.CheckedAt)}).")}[/]");
    }

    public static void Write(IAnsiConsole console, ReconcileReport report)
    {
        if (report.Repaired is { Count: > 0 } repaired)
        {
            var table = Styles.Table("Repaired group", "Action", "Nodes");
            foreach (var repair in repaired)
            {
                table.AddRow(Styles.Plain(repair.GroupId), Styles.Plain(repair.Action), Styles.Plain(Styles.Nodes(repair.Nodes)));
            }

            console.Write(table);
        }

        if (report.Unexplained is { Count: > 0 } unexplained)
        {
            var table = Styles.Table("Unexplained group", "Present on", "Missing on");
            foreach (var group in unexplained)
            {
                table.AddRow(Styles.Plain(group.GroupId), Styles.Plain(Styles.Nodes(group.PresentOn)), Styles.Plain(Styles.Nodes(group.MissingOn)));
            }

            console.Write(table);
        }

        var count = report.Repaired?.Count ?? 0;
        console.MarkupLine(report.Consistent
            ? Markup.Escape($"Consistent: every group is on every node ({count} repaired).")
            : $"[darkorange]{Markup.Escape($"Still not consistent ({count} repaired, {report.Unexplained?.Count ?? 0} no operation explains).")}[/]");
    }

    private static string Describe(LastOperation? op) =>
        op is null ? "none known" : $"{op.Kind} {op.Outcome} {Styles.Time(op.EndedAt)} ({op.OperationId})";
}
