using ClusterGroups.Client;

namespace ClusterGroups.Cli;

// A refusal or a missing answer of the Api (the client's typed exceptions) as one sentence and one exit code.
public static class CliErrors
{
    public static CliException From(ClusterGroupsException error, bool keyGiven) => error switch
    {
        InvalidRequestException => new CliException(ExitCode.Usage, error.Message),
        ApiKeyRefusedException or RoleRequiredException => new CliException(ExitCode.Unauthorized, Unauthorized((ApiRefusedException)error, keyGiven)),
        ApiRefusedException refused => new CliException(ExitCode.ApiError,
            $"The Api answered {refused.Request} with {(int)refused.StatusCode} {refused.StatusCode}: {refused.Reason}.", refused.Body),
        ApiTimeoutException { IdempotencyKey: not null } => new CliException(ExitCode.Unreachable,
            $"{error.Message.TrimEnd('.')}; the operation may have run anyway, see `groups ops --open`.", error.InnerException?.Message),
        ApiTimeoutException or ApiUnreachableException => new CliException(ExitCode.Unreachable, error.Message, error.InnerException?.Message),
        UnexpectedAnswerException unexpected => new CliException(ExitCode.ApiError, error.Message,
            unexpected.Body.Length > 300 ? unexpected.Body[..300] + "…" : unexpected.Body),
        _ => new CliException(ExitCode.ApiError, error.Message),
    };

    private static string Unauthorized(ApiRefusedException error, bool keyGiven) => keyGiven
        ? $"The Api refused the key ({(int)error.StatusCode} {error.StatusCode}); check --key or CLUSTERGROUPS_KEY."
        : $"The Api wants a key ({(int)error.StatusCode} {error.StatusCode}); pass --key or set CLUSTERGROUPS_KEY.";
}
