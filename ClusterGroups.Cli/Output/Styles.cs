using System.Globalization;
using Spectre.Console;

namespace ClusterGroups.Cli.Output;

public static class Styles
{
    public static bool IsOutcome(this ExitCode code) =>
        code is ExitCode.Committed or ExitCode.AlreadySo or ExitCode.RolledBack or ExitCode.PendingRepair or ExitCode.Abandoned;

    public static string Color(this ExitCode code) => code switch
    {
        ExitCode.Committed => "green",
        ExitCode.AlreadySo => "deepskyblue1",
        ExitCode.PendingRepair => "darkorange",
        _ => "red",
    };

    /// <summary>The outcome as a coloured word, e.g. "committed" in green.</summary>
    public static Markup Badge(this ExitCode code) => new($"[{code.Color()}]{Markup.Escape(code.Name())}[/]");

    public static Markup Badge(Outcome outcome) =>
        OperationResult.OutcomeCode(outcome) is { } code && outcome != Outcome.Running
            ? code.Badge()
            : new Markup(Markup.Escape(outcome.ToString()));

    public static string Ms(double ms) => $"{ms.ToString("0.#", CultureInfo.InvariantCulture)} ms";

    public static string Time(DateTimeOffset? at) =>
        at?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";

    public static string Nodes(IEnumerable<string>? nodes) =>
        nodes is null ? "" : string.Join(", ", nodes);

    public static Text Plain(string? text) => new(text ?? "");

    /// <summary>A table; its first column (an id) is never wrapped, so ids stay copyable.</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(column)) { NoWrap = table.Columns.Count == 0 });
        }

        return table;
    }
}
