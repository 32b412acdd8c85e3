using System.Text.Json.Serialization;

namespace ClusterGroups.Api.Nodes;

// What went wrong on the wire, when no HTTP status came back.
[JsonConverter(typeof(JsonStringEnumConverter<CallError>))]
public enum CallError
{
    Timeout,
    ConnectionRefused,
    ConnectionReset,
    CircuitOpen,
    Other,
}

// One HTTP call to one node, as it happened: what was asked, what came back, how long it took.
public sealed record NodeCall(
    string Request,
    int? Status,
    CallError? Error,
    string? Detail,
    double DurationMs,
    [property: JsonIgnore] bool Replayed = false,
    [property: JsonIgnore] bool? Present = null,
    [property: JsonIgnore] TimeSpan? RetryAfter = null,
    [property: JsonIgnore] string? WrittenBy = null)
{
    // WrittenBy: on a read, the Idempotency-Key of the write that made the group present (X-Created-By) or absent
    // (X-Deleted-By), when the node tells.
    // Nothing reached the node: safe to send again.
    [JsonIgnore]
    public bool NotSent => Error is CallError.ConnectionRefused or CallError.CircuitOpen;

    public override string ToString() =>
        Status is { } s ? $"{Request} -> {s}{(Detail is null ? "" : $" ({Detail})")}" : $"{Request} -> {Error}: {Detail}";
}
