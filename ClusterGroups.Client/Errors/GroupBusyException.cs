namespace ClusterGroups.Client;

/// <summary>
/// 503 "group busy": another operation on the group held it too long, or an earlier rollback on it is still pending.
/// Nothing was done; send again after <see cref="ApiRefusedException.RetryAfter"/>.
/// </summary>
public sealed class GroupBusyException(ApiAnswer answer)
    : ApiRefusedException(answer, $"The group is busy: {answer.Reason} (retry after {answer.RetryAfterText}).");
