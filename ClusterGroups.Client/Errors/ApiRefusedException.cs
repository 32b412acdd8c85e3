using System.Net;

namespace ClusterGroups.Client;

/// <summary>The Api answered with an error status: the request was refused or failed there (see the subclasses).</summary>
public class ApiRefusedException : ClusterGroupsException
{
    /// <summary>Creates the exception from the Api's answer.</summary>
    public ApiRefusedException(ApiAnswer answer, string? message = null)
        : base(message ?? $"The Api answered {answer.Request} with {(int)answer.Status} {answer.Status}: {answer.Reason}.", answer.Request, answer.IdempotencyKey)
    {
        StatusCode = answer.Status;
        Problem = answer.Problem;
        Body = answer.Body;
        RetryAfter = answer.RetryAfter;
    }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The Api's problem+json, when the body was one.</summary>
    public ApiProblem? Problem { get; }

    /// <summary>The body as it came.</summary>
    public string Body { get; }

    /// <summary>The answer's <c>Retry-After</c>: how long to wait before sending again, when the Api said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>What the Api said went wrong: the problem's detail, else its title, else the status.</summary>
    public string Reason => ApiAnswer.ReasonOf(Problem, StatusCode);
}
