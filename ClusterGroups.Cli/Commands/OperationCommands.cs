using System.CommandLine;
using ClusterGroups.Cli.Output;

namespace ClusterGroups.Cli.Commands;

// ops / op: the Api's operations, and one operation's full report.
public static class OperationCommands
{
    public static Command List(CommandRunner runner)
    {
        var open = new Option<bool>("--open") { Description = "Only operations still running or pending repair" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first", HelpName = "N", DefaultValueFactory = _ => 50 };
        var command = new Command("ops", "Recent operations, newest first") { open, limit };
        runner.SetAction(command, async (context, parse, ct) =>
        {
            var query = $"?limit={parse.GetValue(limit)}" + (parse.GetValue(open) ? "&state=open" : "");
            var answer = GroupCommands.Success(await context.Api.GetAsync($"/v1/operations{query}", ct), context);
            var list = answer.Read<OperationList>();
            if (context.Json)
            {
                context.WriteJson(answer.Body);
            }
            else
            {
                OperationListView.Write(context.Out, list, parse.GetValue(open));
            }

            return ExitCode.Committed;
        });
        return command;
    }

    public static Command Get(CommandRunner runner)
    {
        var id = new Argument<string>("operation-id") { Description = "The operation's id (op-...)" };
        var command = new Command("op", "One operation's full report; exits with its outcome's code (still running: 5)") { id };
        runner.SetAction(command, async (context, parse, ct) =>
        {
            var operationId = parse.GetValue(id)!;
            var answer = await context.Api.GetAsync($"/v1/operations/{ApiClient.Escape(operationId)}", ct);
            if (answer.Code == 404 && answer.TryRead<ProblemDetails>() is not null)
            {
                throw new CliException(ExitCode.NotFound, $"The Api knows no operation '{operationId}'.");
            }

            var report = GroupCommands.Success(answer, context).Read<OperationReport>();
            var code = OperationResult.OutcomeCode(report.Outcome) ?? ExitCode.ApiError;
            if (context.Json)
            {
                context.WriteJson(answer.Body);
            }
            else
            {
                OperationView.WriteReport(context.Out, code, report.GroupId ?? "?", report.Summary ?? "", report, verbose: true);
            }

            return code;
        });
        return command;
    }
}
