using System.CommandLine;
using System.Net;
using ClusterGroups.Cli.Output;
using ClusterGroups.Client;

namespace ClusterGroups.Cli.Commands;

// status / reconcile: the nodes, and whether every group is on every node.
public static class ClusterCommands
{
    public static Command Status(CommandRunner runner)
    {
        var command = new Command("status", "The nodes (reachable, latency) and the consistency report: groups x nodes");
        runner.SetAction(command, async (context, parse, ct) =>
        {
            var cluster = AnswerCapture.Open();
            var nodes = await context.Client.GetClusterAsync(ct);
            var consistency = AnswerCapture.Open();
            ConsistencyReport? report;
            try
            {
                report = await context.Client.GetConsistencyAsync(ct);
            }
            catch (ApiRefusedException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                report = null;
            }

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
            var answer = AnswerCapture.Open();
            ReconcileReport report;
            try
            {
                report = await context.Client.ReconcileAsync(cancellationToken: ct);
            }
            catch (ApiRefusedException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            {
                throw new CliException(ExitCode.ApiError,
                    $"This Api cannot reconcile (POST /v1/cluster/reconcile answered {(int)e.StatusCode}); it needs a newer Api.");
            }

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
