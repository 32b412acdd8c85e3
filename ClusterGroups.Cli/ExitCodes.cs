namespace ClusterGroups.Cli;

// One exit code per outcome class, so a script can act on `groups ...` without reading its output.
public enum ExitCode
{
    // The operation committed on every node (reads: the Api answered).
    Committed = 0,

    // Something unexpected inside the client itself (a bug); the message says what.
    Internal = 1,

    // The command line was wrong, or the Api refused the input (400); nothing was done.
    Usage = 2,

    // Every node was already in the desired state (create: group exists; delete: group absent); nothing changed.
    AlreadySo = 3,

    // Failed on some node and rolled back (or the group was busy): nothing changed, safe to send again.
    RolledBack = 4,

    // Failed, and the rollback is not finished yet; the Api finishes it by itself (follow with `groups op <id>`).
    PendingRepair = 5,

    // The Api could not be reached, or did not answer in time.
    Unreachable = 6,

    // The Api refused the key (401/403).
    Unauthorized = 7,

    // The Api answered with another error (4xx/5xx), or with something that is not its JSON.
    ApiError = 8,

    // get/op: no such group on any reachable node, no such operation.
    NotFound = 9,

    // Failed, and an operator gave its repair up (abandon): nobody finishes it; the nodes may differ until reconciled.
    Abandoned = 10,
}

public static class ExitCodes
{
    // From least to most in need of attention: a batch exits with the worst code any of its items had.
    private static readonly ExitCode[] Severity =
    [
        ExitCode.Committed, ExitCode.AlreadySo, ExitCode.NotFound, ExitCode.RolledBack, ExitCode.PendingRepair,
        ExitCode.Abandoned, ExitCode.Usage, ExitCode.ApiError, ExitCode.Unauthorized, ExitCode.Unreachable, ExitCode.Internal,
    ];

    public static IReadOnlyList<(ExitCode Code, string Meaning)> Table { get; } =
    [
        (ExitCode.Committed, "committed on every node (reads: the Api answered)"),
        (ExitCode.Internal, "unexpected error in the client itself"),
        (ExitCode.Usage, "usage error, or input refused by the Api (400); nothing was done"),
        (ExitCode.AlreadySo, "already so: create of an existing group, delete of an absent one; nothing changed"),
        (ExitCode.RolledBack, "failed and rolled back (or group busy, or its deadline passed first); nothing changed, safe to send again"),
        (ExitCode.PendingRepair, "failed, rollback pending; the Api finishes it (or an earlier copy still runs; reconcile: divergences remain)"),
        (ExitCode.Unreachable, "the Api is unreachable or did not answer in time"),
        (ExitCode.Unauthorized, "unauthorized: the Api refused the key (401/403)"),
        (ExitCode.ApiError, "another Api error (4xx/5xx), or an answer that is not the Api's JSON"),
        (ExitCode.NotFound, "get/op: no such group on any reachable node, or no such operation"),
        (ExitCode.Abandoned, "failed, and an operator gave its repair up; the nodes may differ until reconciled"),
    ];

    public static ExitCode Worst(IEnumerable<ExitCode> codes) =>
        codes.Aggregate(ExitCode.Committed, (worst, code) => Rank(code) > Rank(worst) ? code : worst);

    public static string Name(this ExitCode code) => code switch
    {
        ExitCode.Committed => "committed",
        ExitCode.Internal => "internal error",
        ExitCode.Usage => "bad input",
        ExitCode.AlreadySo => "already so",
        ExitCode.RolledBack => "rolled back",
        ExitCode.PendingRepair => "pending repair",
        ExitCode.Unreachable => "unreachable",
        ExitCode.Unauthorized => "unauthorized",
        ExitCode.ApiError => "api error",
        ExitCode.Abandoned => "abandoned",
        _ => "not found",
    };

    private static int Rank(ExitCode code) => Array.IndexOf(Severity, code);
}
