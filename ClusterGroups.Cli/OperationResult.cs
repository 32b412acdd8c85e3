namespace ClusterGroups.Cli;

// One create or delete as the client understood it: the outcome class, and what the Api said.
public sealed record OperationResult(string GroupId, ExitCode Code, string Message, ApiAnswer? Answer, OperationReport? Report)
{
    /// <summary>
    /// The outcome class of a create/delete answer. The body's outcome decides when present (it is, in all four
    /// classes: problem+json carries the report's fields); otherwise the status: 201/200 committed, 202 pending repair,
    /// 409 (create) / 404 (delete) already so, 503 rolled back (or group busy: nothing done), 400 bad input, 401/403.
    /// </summary>
    public static OperationResult From(string groupId, ApiAnswer answer, bool create, bool keyGiven)
    {
        var report = answer.TryReadReport();
        var code = OutcomeCode(report?.Outcome) ?? answer.Code switch
        {
            201 when create => ExitCode.Committed,
            200 when !create => ExitCode.Committed,
            202 => ExitCode.PendingRepair,
            409 when create => ExitCode.AlreadySo,
            503 => ExitCode.RolledBack,
            _ => answer.Failure(keyGiven).Code,
        };

        var message = report?.Summary is { Length: > 0 } summary
            ? summary
            : code is ExitCode.RolledBack ? answer.Reason : answer.Failure(keyGiven).Message;
        return new OperationResult(report?.GroupId ?? groupId, code, message, answer, report);
    }

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
