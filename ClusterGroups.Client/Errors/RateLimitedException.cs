namespace ClusterGroups.Client;

/// <summary>429: too many requests from this caller; send again after <see cref="ApiRefusedException.RetryAfter"/>.</summary>
public sealed class RateLimitedException(ApiAnswer answer)
    : ApiRefusedException(answer, $"The Api limits this caller's rate: {answer.Reason} (retry after {answer.RetryAfterText}).");
