using System.Text.Json.Serialization;

namespace ClusterGroups.Contracts;

/// <summary>
/// The body of <c>POST /v1/batch</c>: several creates and deletes in one request, each run as its own operation with
/// exactly the answer its single request (<c>POST</c> or <c>DELETE /v1/group/</c>) would get. The answer is 200 with
/// <c>{"answers": [{"status", "headers": {"Content-Type", "Location", "Retry-After"}, "body"}, ...]}</c>, one per write in the
/// order sent: the single request's status, media type, <c>Location</c> and <c>Retry-After</c> (seconds) headers, and
/// its body (the operation's report, or problem+json). With <c>Accept: application/x-ndjson</c> (<see cref="AnswerStream"/>)
/// the answer is a stream instead: one line per write as soon as that write ends, the same object with the write's
/// position in the request (<c>"index"</c>), so a write's answer does not wait for a slower write of its batch.
/// </summary>
/// <param name="Writes">The writes (1 to the Api's <c>Api:MaxBatchWrites</c>).</param>
public sealed record BatchRequest([property: JsonPropertyName("writes")] IReadOnlyList<BatchWrite>? Writes)
{
    /// <summary>The media type of the streamed answer: one JSON object per line (newline-delimited JSON).</summary>
    public const string AnswerStream = "application/x-ndjson";
}

/// <summary>One write of a <see cref="BatchRequest"/>: what its single request would carry in its body and headers.</summary>
/// <param name="Kind"><c>create</c> or <c>delete</c>.</param>
/// <param name="GroupId">The group's id (<see cref="Contracts.GroupId.Rule"/>).</param>
/// <param name="IdempotencyKey">As the <c>Idempotency-Key</c> header (<see cref="IdempotencyKeys.Rule"/>); optional.</param>
/// <param name="Deadline">As the <c>Request-Deadline</c> header (RFC 3339, UTC); optional.</param>
public sealed record BatchWrite(
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("groupId")] string? GroupId,
    [property: JsonPropertyName("idempotencyKey")] string? IdempotencyKey = null,
    [property: JsonPropertyName("deadline")] string? Deadline = null)
{
    public const string Create = "create";
    public const string Delete = "delete";
}
