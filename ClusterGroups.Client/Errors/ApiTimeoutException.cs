namespace ClusterGroups.Client;

/// <summary>
/// No answer within the call's timeout, every try included. A write may have run anyway (its deadline, sent as
/// <c>Request-Deadline</c>, has passed now, so the Api starts nothing more for it): send it again with the same
/// <see cref="ClusterGroupsException.IdempotencyKey"/> to learn its answer.
/// </summary>
public sealed class ApiTimeoutException(string message, string request, string? idempotencyKey, TimeSpan timeout, Exception? inner)
    : ClusterGroupsException(message, request, idempotencyKey, inner)
{
    /// <summary>The call's timeout.</summary>
    public TimeSpan Timeout { get; } = timeout;
}
