using System.Net;

namespace ClusterGroups.Client;

/// <summary>An answer that is not the JSON the ClusterGroups Api sends: is the address the Api's?</summary>
public sealed class UnexpectedAnswerException(ApiAnswer answer)
    : ClusterGroupsException(
        $"The answer to {answer.Request} ({(int)answer.Status}) is not the JSON the ClusterGroups Api sends; is this the Api's address?",
        answer.Request, answer.IdempotencyKey)
{
    /// <summary>The HTTP status.</summary>
    public HttpStatusCode StatusCode { get; } = answer.Status;

    /// <summary>The body as it came.</summary>
    public string Body { get; } = answer.Body;
}
