namespace ClusterGroups.Api.Errors;

/// <summary>
/// The coordinator store (journal, leases) could not be reached, so the operation could not go on. Answered 503 with
/// Retry-After by <see cref="CoordinatorUnavailableHandler"/>.
/// </summary>
/// <param name="operationId">The operation's id if it was begun in the journal (the caller can follow it there).</param>
/// <param name="nodesMayBeTouched">False only when it is certain that no node call was sent: then "nothing was done".</param>
public sealed class CoordinatorUnavailableException(string? operationId, bool nodesMayBeTouched, Exception? inner = null)
    : Exception(operationId is null
        ? "The coordinator store is unreachable."
        : $"The coordinator store became unreachable during operation {operationId}.", inner)
{
    public string? OperationId { get; } = operationId;
    public bool NodesMayBeTouched { get; } = nodesMayBeTouched;
}
