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
        var journal = new Option<bool>("--journal")
        {
            Description = "Also compare the nodes with the journal's desired state (the audit: a group every node lost, or every node kept after its delete; reads every desired state)",
        };
        var command = new Command("reconcile", "Repair what operations left unfinished; report divergences no operation explains") { journal };
        runner.SetAction(command, async (context, parse, ct) =>
        {
            var answer = AnswerCapture.Open();
            ReconcileReport report;
            try
            {
                report = await context.Client.ReconcileAsync(null, parse.GetValue(journal), ct);
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

    // nodes / nodes drain X / nodes rejoin X: the membership, and a node taken out for maintenance and back.
    public static Command Nodes(CommandRunner runner)
    {
        var command = new Command("nodes", "The membership: each node's role (Active, Joining, Out) and the epoch");
        runner.SetAction(command, async (context, parse, ct) => Show(context, await context.Client.GetMembershipAsync(ct)));
        var name = new Argument<string>("node") { Description = "The node's name (node3)" };
        var drain = new Command("drain", "Take a node out: new operations leave it out; returns once older ones that write it closed") { name };
        runner.SetAction(drain, async (context, parse, ct) =>
        {
            var drained = await context.Client.DrainNodeAsync(parse.GetValue(name)!, ct);
            var code = Show(context, drained.Membership);
            return drained.Open.Count == 0
                ? code
                : context.Error(ExitCode.PendingRepair, $"Still open and writing the node: {string.Join(", ", drained.Open)}; wait before stopping it.");
        });
        var rejoin = new Command("rejoin", "Bring a drained node back: written at once, backfilled, active once equal to the others") { name };
        runner.SetAction(rejoin, async (context, parse, ct) => Show(context, await context.Client.RejoinNodeAsync(parse.GetValue(name)!, ct)));
        command.Subcommands.Add(drain);
        command.Subcommands.Add(rejoin);
        return command;
    }

    private static ExitCode Show(CliContext context, MembershipView view)
    {
        if (context.Json)
        {
            context.WriteJson(view);
        }
        else
        {
            ClusterViews.Write(context.Out, view);
        }

        return ExitCode.Committed;
    }
}
