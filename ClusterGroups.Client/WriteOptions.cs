namespace ClusterGroups.Client;

/// <summary>What one create or delete may set for itself, over the client's <see cref="ClusterGroupsClientOptions"/>.</summary>
public sealed record WriteOptions
{
    /// <summary>
    /// The write's <c>Idempotency-Key</c> (<see cref="IdempotencyKeys.Rule"/>); null: the client makes one. Give your
    /// own to resend a write after this process lost its answer (a crash, a timeout): the same key names the same
    /// request, and the Api answers it with the first one's operation.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>How long this call may take (default <see cref="ClusterGroupsClientOptions.Timeout"/>).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>An absolute deadline; the earlier of this and now + <see cref="Timeout"/> is sent as <c>Request-Deadline</c>.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Follow a pending operation to its end (default <see cref="ClusterGroupsClientOptions.FollowPending"/>).</summary>
    public bool? FollowPending { get; init; }
}
