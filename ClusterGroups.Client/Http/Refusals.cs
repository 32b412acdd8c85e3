namespace ClusterGroups.Client;

// An error answer as the exception that names it (README, "Calling it from .NET"). Answers that are an operation's
// outcome (409/404 already so, 503 rolled back, 202 pending) never come here: they are reports.
internal static class Refusals
{
    // The outcome word the Api's "group busy" 503 carries instead of an operation report.
    public const string Busy = "Busy";

    public static ClusterGroupsException For(ApiAnswer answer) => (int)answer.Status switch
    {
        400 => new InvalidRequestException(answer),
        401 => new ApiKeyRefusedException(answer),
        403 => new RoleRequiredException(answer),
        422 => new IdempotencyKeyReusedException(answer),
        429 => new RateLimitedException(answer),
        503 when answer.Problem?.Outcome == Busy => new GroupBusyException(answer),
        // The Api's deadline refusal is problem+json; a gateway's 504 is not, and says nothing of what happened.
        504 when answer.IsProblem => new DeadlineExceededException(answer),
        >= 500 => new ApiUnavailableException(answer),
        >= 200 and < 300 => new UnexpectedAnswerException(answer),
        _ => new ApiRefusedException(answer),
    };
}
