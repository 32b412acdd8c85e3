namespace ClusterGroups.Client;

/// <summary>
/// A 5xx that is not an operation's answer (the Api's coordinator store unreachable, a gateway in front of the Api).
/// Whether a write took effect may not be known: <see cref="OperationId"/> names the operation to follow when the Api
/// said; otherwise send it again with the same <see cref="ClusterGroupsException.IdempotencyKey"/>.
/// </summary>
public sealed class ApiUnavailableException(ApiAnswer answer)
    : ApiRefusedException(answer, $"The Api is unavailable for {answer.Request}: {answer.Reason}.")
{
    /// <summary>The operation the answer names, if any (<c>GET /v1/operations/{id}</c>).</summary>
    public string? OperationId { get; } = answer.Problem?.OperationId;
}
