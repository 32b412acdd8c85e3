using System.CommandLine;
using ClusterGroups.Cli.Output;

namespace ClusterGroups.Cli.Commands;

// get / list: what the nodes hold, read from every node by the Api.
public static class GroupCommands
{
    public static Command Get(CommandRunner runner)
    {
        var id = new Argument<string>("id") { Description = "The group id (or the seed's form '{\"groupId\": \"1\"}')" };
        var command = new Command("get", "One group: on which nodes it is, and where it is missing") { id };
        runner.SetAction(command, async (context, parse, ct) =>
        {
            var groupId = GroupIdInput.Parse(parse.GetValue(id)!);
            var answer = AnswerCapture.Open();
            var view = await context.Client.GetAsync(groupId, ct)
                       ?? throw new CliException(ExitCode.NotFound, $"'{groupId}' is on no reachable node.");
            if (context.Json)
            {
                context.WriteJson(answer.Body);
            }
            else
            {
                GroupViews.Write(context.Out, view);
            }

            return ExitCode.Committed;
        });
        return command;
    }

    // Page by page (the client follows the Api's cursor): each page is shown as it comes and then dropped, so a cluster of a million
    // groups is never held here at once. --json writes each page's answer as one JSON line.
    public static Command List(CommandRunner runner)
    {
        var command = new Command("list", "Every group the cluster knows, with the nodes where each is missing (a page at a time)");
        runner.SetAction(command, async (context, parse, ct) =>
        {
            var (groups, divergent) = (0, 0);
            var unreachable = new SortedSet<string>(StringComparer.Ordinal);
            var answer = AnswerCapture.Open();
            await foreach (var page in context.Client.ListPagesAsync(cancellationToken: ct))
            {
                if (context.Json)
                {
                    context.WriteJson(answer.Body);
                }
                else
                {
                    GroupViews.WritePage(context.Out, page.Groups);
                }

                groups += page.Groups.Count;
                divergent += page.Groups.Count(g => g.MissingOn.Count > 0);
                unreachable.UnionWith(page.Unreachable ?? []);
            }

            if (!context.Json)
            {
                GroupViews.WriteListSummary(context.Out, groups, divergent, unreachable);
            }

            return ExitCode.Committed;
        });
        return command;
    }
}
