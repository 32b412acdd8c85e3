namespace ClusterGroups.Client;

/// <summary>The last operation the journal knows on a group.</summary>
/// <param name="OperationId">Its id (<c>GET /v1/operations/{id}</c>).</param>
/// <param name="Kind">Create or delete.</param>
/// <param name="Outcome">How it ended, or that it is still open.</param>
/// <param name="EndedAt">When it closed; null while open.</param>
public sealed record LastOperation(string OperationId, OperationKind Kind, Outcome Outcome, DateTimeOffset? EndedAt);
