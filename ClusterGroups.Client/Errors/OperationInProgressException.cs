namespace ClusterGroups.Client;

/// <summary>
/// 409 "in progress": an earlier request with the same <c>Idempotency-Key</c> is still running (issue 26's rule, from
/// the IETF draft). Follow <see cref="OperationId"/> (<see cref="ClusterGroupsClient.WaitForOperationAsync"/>), or set
/// <see cref="ClusterGroupsClientOptions.FollowPending"/> to have the client do it.
/// </summary>
public sealed class OperationInProgressException : ApiRefusedException
{
    /// <summary>Creates the exception from the Api's answer.</summary>
    public OperationInProgressException(ApiAnswer answer, string operationId)
        : base(answer, $"An earlier request with the same Idempotency-Key is still running: follow {operationId}.") =>
        OperationId = operationId;

    /// <summary>The running operation (<c>GET /v1/operations/{id}</c>).</summary>
    public string OperationId { get; }
}
