using Spectre.Console;

namespace ClusterGroups.Cli.Output;

public static class GroupViews
{
    public static void Write(IAnsiConsole console, GroupView view)
    {
        var table = Styles.Table("Node", view.GroupId);
        foreach (var node in view.PresentOn)
        {
            table.AddRow(Styles.Plain(node), new Markup("[green]present[/]"));
        }

        foreach (var node in view.MissingOn)
        {
            table.AddRow(Styles.Plain(node), new Markup("[red]missing[/]"));
        }

        foreach (var node in view.Unreachable)
        {
            table.AddRow(Styles.Plain(node), new Markup("[grey]unreachable[/]"));
        }

        console.Write(table);
        console.MarkupLine(view.Consistent
            ? Markup.Escape($"'{view.GroupId}' is on every node.")
            : $"[darkorange]{Markup.Escape($"'{view.GroupId}' is not on every node{Unreachable(view.Unreachable)}.")}[/]");
    }

    public static void WritePage(IAnsiConsole console, IReadOnlyList<GroupEntry> groups)
    {
        if (groups.Count == 0)
        {
            return;
        }

        var table = Styles.Table("Group", "Present on", "Missing on");
        foreach (var group in groups)
        {
            table.AddRow(Styles.Plain(group.GroupId), Styles.Plain(Styles.Nodes(group.PresentOn)),
                new Markup($"[red]{Markup.Escape(Styles.Nodes(group.MissingOn))}[/]"));
        }

        console.Write(table);
    }

    public static void WriteListSummary(IAnsiConsole console, int groups, int divergent, IReadOnlyCollection<string> unreachable) =>
        console.MarkupLine(Markup.Escape(groups == 0 ? $"No groups{Unreachable(unreachable)}."
            : divergent == 0 ? $"{groups} groups, each on every reachable node{Unreachable(unreachable)}."
            : $"{groups} groups, {divergent} of them missing on some node{Unreachable(unreachable)}."));

    public static string Unreachable(IReadOnlyCollection<string>? nodes) =>
        nodes is { Count: > 0 } ? $" (unreachable: {string.Join(", ", nodes)})" : "";
}
