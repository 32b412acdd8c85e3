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
        var group = new Option<string?>("--group") { Description = "Only operations on this group", HelpName = "ID" };
        var outcome = new Option<string?>("--outcome") { Description = "Only this outcome: Committed, AlreadySo, RolledBack, PendingRepair, Abandoned, Running", HelpName = "OUTCOME" };
        var since = new Option<string?>("--since") { Description = "Only operations started since: an age (90s, 15m, 1h, 2d) or an ISO 8601 time", HelpName = "WHEN" };
        var caller = new Option<string?>("--caller") { Description = "Only operations asked for by this caller (the name of the key that sent them)", HelpName = "NAME" };
        var command = new Command("ops", "Recent operations, newest first; search by group, outcome, age, caller") { open, limit, group, outcome, since, caller };
        runner.SetAction(command, async (context, parse, ct) =>
        {
            var answer = AnswerCapture.Open();
            var list = await context.Client.ListOperationsAsync(new OperationQuery
            {
                Limit = parse.GetValue(limit),
                OpenOnly = parse.GetValue(open),
                GroupId = parse.GetValue(group),
                Outcome = ParseOutcome(parse.GetValue(outcome)),
                Since = parse.GetValue(since),
                Caller = parse.GetValue(caller),
            }, ct);
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
        command.Subcommands.Add(Act(runner, "retry", "Drive an open operation now (a pending repair's rollback), whatever its backoff", reason: false));
        command.Subcommands.Add(Act(runner, "abandon", "Give a pending repair up on purpose: no longer retried; the nodes may differ until reconciled (exit 10)", reason: true));
        runner.SetAction(command, async (context, parse, ct) =>
        {
            var operationId = parse.GetValue(id)!;
            var answer = AnswerCapture.Open();
            return Show(context, operationId, await context.Client.GetOperationAsync(operationId, ct), answer, verbose: true);
        });
        return command;
    }

    // op retry <id> / op abandon <id> --reason "...": the operation's report after the action, exit code by its outcome.
    private static Command Act(CommandRunner runner, string action, string description, bool reason)
    {
        var id = new Argument<string>("operation-id") { Description = "The operation's id (op-...)" };
        var why = new Option<string>("--reason") { Description = "Why it is given up (journaled with your key's name)", Required = true };
        var command = new Command(action, description) { id };
        if (reason)
        {
            command.Options.Add(why);
        }

        runner.SetAction(command, async (context, parse, ct) =>
        {
            var operationId = parse.GetValue(id)!;
            var answer = AnswerCapture.Open();
            var report = reason
                ? await context.Client.AbandonOperationAsync(operationId, parse.GetValue(why)!, ct)
                : await context.Client.RetryOperationAsync(operationId, ct);
            return Show(context, operationId, report, answer, verbose: false);
        });
        return command;
    }

    // An answer that is one operation's report: shown, and its outcome as the exit code.
    private static ExitCode Show(CliContext context, string operationId, OperationReport? report, Captured answer, bool verbose)
    {
        if (report is null)
        {
            throw new CliException(ExitCode.NotFound, $"The Api knows no operation '{operationId}'.");
        }

        var code = OperationResult.OutcomeCode(report.Outcome) ?? ExitCode.ApiError;
        if (context.Json)
        {
            context.WriteJson(answer.Body);
        }
        else
        {
            OperationView.WriteReport(context.Out, code, report.GroupId ?? "?", report.Summary ?? "", report, verbose);
        }

        return code;
    }

    // A word that names no outcome is refused here, as the Api would refuse it (400): nothing is sent.
    private static Outcome? ParseOutcome(string? value) =>
        value is null ? null
        : Enum.TryParse<Outcome>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _) ? parsed
        : throw new CliException(ExitCode.Usage, $"--outcome must be one of {string.Join(", ", Enum.GetNames<Outcome>())}.");
}
