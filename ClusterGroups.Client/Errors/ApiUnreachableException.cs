namespace ClusterGroups.Client;

/// <summary>
/// No answer: the connection to the Api failed (refused, reset, name or TLS failure), every try included. A write
/// may still have reached the Api if the connection broke after it was sent: send it again with the same
/// <see cref="ClusterGroupsException.IdempotencyKey"/>.
/// </summary>
public sealed class ApiUnreachableException(string message, string request, string? idempotencyKey, Exception inner)
    : ClusterGroupsException(message, request, idempotencyKey, inner);
