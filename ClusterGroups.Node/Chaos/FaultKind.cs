using System.Text.Json.Serialization;

namespace ClusterGroups.Node.Chaos;

// The ways a node can misbehave, as the seed's challenge describes unstable nodes.
[JsonConverter(typeof(JsonStringEnumConverter<FaultKind>))]
public enum FaultKind
{
    None,
    // 500 before the write is applied: nothing changed.
    ErrorBeforeApply,
    // The write is applied, then 500: the caller cannot tell it worked (the seed's node did this under races).
    ErrorAfterApply,
    // The answer is held past the client's timeout, and the write is never applied.
    TimeoutBeforeApply,
    // The write is applied, then the answer is held past the client's timeout.
    TimeoutAfterApply,
    // The connection is dropped without an answer, before applying.
    DropConnection,
    // 503 with Retry-After, before applying.
    Unavailable,
    // A late delivery: the write is held past the client's timeout (as a proxy or a retransmission can), then applied.
    // Only group writes (POST/DELETE /v1/group) are held; other requests pass.
    DelayBeforeApply,
}

public static class FaultKinds
{
    public static readonly FaultKind[] All =
    [
        FaultKind.ErrorBeforeApply, FaultKind.ErrorAfterApply, FaultKind.TimeoutBeforeApply,
        FaultKind.TimeoutAfterApply, FaultKind.DropConnection, FaultKind.Unavailable, FaultKind.DelayBeforeApply,
    ];

    public static bool AppliesFirst(this FaultKind kind) => kind is FaultKind.ErrorAfterApply or FaultKind.TimeoutAfterApply;

    public static string Slug(this FaultKind kind) => kind switch
    {
        FaultKind.ErrorBeforeApply => "error-before-apply",
        FaultKind.ErrorAfterApply => "error-after-apply",
        FaultKind.TimeoutBeforeApply => "timeout-before-apply",
        FaultKind.TimeoutAfterApply => "timeout-after-apply",
        FaultKind.DropConnection => "drop-connection",
        FaultKind.Unavailable => "unavailable",
        FaultKind.DelayBeforeApply => "delay-before-apply",
        _ => "none",
    };
}
