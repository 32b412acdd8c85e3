namespace ClusterGroups.Client;

/// <summary>
/// 422: the <c>Idempotency-Key</c> was already used for another request (another kind or groupId). Nothing was done;
/// a new logical write needs a new key.
/// </summary>
public sealed class IdempotencyKeyReusedException(ApiAnswer answer)
    : ApiRefusedException(answer, $"The Idempotency-Key '{answer.IdempotencyKey}' was used for another request: {answer.Reason}.")
{
    /// <summary>The operation the key belongs to, when the Api names it.</summary>
    public string? OperationId { get; } = answer.Problem?.OperationId;
}
