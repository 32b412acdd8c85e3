namespace ClusterGroups.Api.Coordinator;

// A journal write refused because a later lease on the group was taken (its token is above the write's): the run that
// wrote no longer owns the operation. Nothing was changed.
public sealed class CoordinatorFencedException(string operationId)
    : Exception($"The journal refused a write of {operationId}: a later lease on its group was taken.")
{
    public string OperationId { get; } = operationId;
}
