using ClusterGroups.Client;

namespace ClusterGroups.Cli;

// One create or delete as the client understood it: the outcome class, and what the Api said.
public sealed record OperationResult(string GroupId, ExitCode Code, string Message, RawAnswer? Answer, OperationReport? Report)
{
    /// <summary>An operation's answer (the client's report): its outcome class is the exit code.</summary>
    public static OperationResult From(string groupId, OperationReport report, RawAnswer? answer) =>
        new(report.GroupId ?? groupId, OutcomeCode(report.Outcome) ?? ExitCode.ApiError, report.Summary, answer, report);

    /// <summary>
    /// A refusal. Those that say nothing was done and it may be sent again count as rolled back (exit 4): a busy group,
    /// the Api's coordinator store unreachable (503, its detail says what is known), a deadline that passed first
    /// (504). An earlier copy still running (409 in progress) counts as pending (exit 5).
    /// </summary>
    public static OperationResult From(string groupId, ClusterGroupsException error, RawAnswer? answer, bool keyGiven) => error switch
    {
        GroupBusyException or DeadlineExceededException or ApiUnavailableException { StatusCode: System.Net.HttpStatusCode.ServiceUnavailable } =>
            new(groupId, ExitCode.RolledBack, ((ApiRefusedException)error).Reason, answer, null),
        OperationInProgressException running =>
            new(groupId, ExitCode.PendingRepair, $"an earlier copy of this request is still running; follow it with: groups op {running.OperationId}", answer, null),
        _ => new(groupId, CliErrors.From(error, keyGiven).Code, CliErrors.From(error, keyGiven).Message, answer, null),
    };

    public static OperationResult NotSent(string groupId, CliException e) => new(groupId, e.Code, e.Message, null, null);

    /// <summary>An operation's outcome (from the Api's report) as an exit code; Running counts as still open.</summary>
    public static ExitCode? OutcomeCode(Outcome? outcome) => outcome switch
    {
        Outcome.Committed => ExitCode.Committed,
        Outcome.AlreadySo => ExitCode.AlreadySo,
        Outcome.RolledBack => ExitCode.RolledBack,
        Outcome.PendingRepair or Outcome.Running => ExitCode.PendingRepair,
        // Given up by an operator: nobody finishes it, and the nodes may differ until reconciled.
        Outcome.Abandoned => ExitCode.Abandoned,
        _ => null,
    };
}
