using System.CommandLine;
using ClusterGroups.Cli.Output;

namespace ClusterGroups.Cli.Commands;

// status / reconcile: the nodes, and whether every group is on every node.
public static class ClusterCommands
{
    public static Command Status(CommandRunner runner)
    {
        var command = new Command("status", "The nodes (reachable, latency) and the consistency report: groups x nodes");
        runner.SetAction(command, async (context, parse, ct) =>
        {
            var cluster = GroupCommands.Success(await context.Api.GetAsync("/v1/cluster", ct), context);
            var nodes = cluster.Read<ClusterView>();
            var consistency = await context.Api.GetAsync("/v1/cluster/consistency", ct);
            var report = consistency.Code == 404 ? null : GroupCommands.Success(consistency, context).Read<ConsistencyReport>();
            var missing = report is null
                ? "This Api has no consistency report (GET /v1/cluster/consistency answered 404); it needs a newer Api."
                : null;
            if (context.Json)
            {
                context.WriteJson(new
                {
                    cluster = CliContext.ParseJson(cluster.Body),
                    consistency = report is null ? null : CliContext.ParseJson(consistency.Body),
                    error = missing,
                });
            }
            else
            {
                ClusterViews.Write(context.Out, nodes);
                if (report is not null)
                {
                    ClusterViews.Write(context.Out, report);
                }
            }

            return missing is null ? ExitCode.Committed : context.Error(ExitCode.ApiError, missing);
        });
        return command;
    }

    public static Command Reconcile(CommandRunner runner)
    {
        var command = new Command("reconcile", "Repair what operations left unfinished; report divergences no operation explains");
        runner.SetAction(command, async (context, parse, ct) =>
        {
            var answer = await context.Api.PostAsync("/v1/cluster/reconcile", ct);
            if (answer.Code is 404 or 405)
            {
                throw new CliException(ExitCode.ApiError,
                    $"This Api cannot reconcile (POST /v1/cluster/reconcile answered {answer.Code}); it needs a newer Api.");
            }

            var report = GroupCommands.Success(answer, context).Read<ReconcileReport>();
            if (context.Json)
            {
                context.WriteJson(answer.Body);
            }
            else
            {
                ClusterViews.Write(context.Out, report);
            }

            return report.Consistent ? ExitCode.Committed : ExitCode.PendingRepair;
        });
        return command;
    }
}
