namespace ClusterGroups.Contracts;

/// <summary>The HTTP headers a caller exchanges with the ClusterGroups Api.</summary>
public static class ApiHeaders
{
    /// <summary>The caller's key (<c>Api:Keys:&lt;name&gt;</c> on the Api).</summary>
    public const string ApiKey = "X-Api-Key";

    /// <summary>
    /// Names one logical write (create or delete): sent again with every retry of that write, so the Api can answer a
    /// copy with the first one's operation instead of starting a second (IETF draft "The Idempotency-Key HTTP Header
    /// Field"; the value follows <see cref="IdempotencyKeys.Rule"/>).
    /// </summary>
    public const string IdempotencyKey = "Idempotency-Key";

    /// <summary>
    /// Until when the caller wants the request: an RFC 3339 UTC time (<c>2026-12-04T10:15:30.250Z</c>). The Api starts no
    /// operation after it.
    /// </summary>
    public const string RequestDeadline = "Request-Deadline";
}
