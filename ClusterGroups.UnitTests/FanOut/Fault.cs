namespace ClusterGroups.UnitTests.FanOut;

public enum FaultKind
{
    Ok,
    // 500, nothing changed.
    Status500BeforeApply,
    // 503 with Retry-After (seconds in DelayMs / 1000, at least 1), nothing changed: the node's `unavailable` chaos fault.
    UnavailableBeforeApply,
    // The write is applied, then 500 (the seed's node did this for a duplicate under a race).
    Status500AfterApply,
    // No answer and nothing changed: the Api's attempt timeout cancels the request.
    TimeoutBeforeApply,
    // The write is applied, then no answer: the answer is lost.
    TimeoutAfterApply,
    // Nothing reaches the node.
    ConnectionRefused,
    // Answers normally after DelayMs.
    Slow,
    // The node goes down at this request: it and every later one are refused until the node is brought up.
    Down,
    // A late delivery: no answer (the Api's attempt timeout gives up on it), and the request reaches the node only
    // when its gate opens (a proxy or a retransmission delivering it after the sender gave up).
    Late,
    // The call does not return until the node's gate opens, whatever the caller's timeout: the caller is stuck in it
    // as a paused process would be. Then it is answered as usual.
    Frozen,
}

// One scripted answer, consumed by the first request it matches (any method when Method is null).
// GroupWritesOnly: only POST/DELETE /v1/group (not reads, not the Api's abort calls).
public sealed record Fault(FaultKind Kind, HttpMethod? Method = null, int DelayMs = 0, bool GroupWritesOnly = false)
{
    public static Fault Ok(HttpMethod? method = null) => new(FaultKind.Ok, method);
    public static Fault Status500BeforeApply(HttpMethod? method = null) => new(FaultKind.Status500BeforeApply, method);
    public static Fault UnavailableBeforeApply(int retryAfterSeconds = 1, HttpMethod? method = null) =>
        new(FaultKind.UnavailableBeforeApply, method, retryAfterSeconds * 1000);
    public static Fault Status500AfterApply(HttpMethod? method = null) => new(FaultKind.Status500AfterApply, method);
    public static Fault TimeoutBeforeApply(HttpMethod? method = null) => new(FaultKind.TimeoutBeforeApply, method);
    public static Fault TimeoutAfterApply(HttpMethod? method = null) => new(FaultKind.TimeoutAfterApply, method);
    public static Fault ConnectionRefused(HttpMethod? method = null) => new(FaultKind.ConnectionRefused, method);
    public static Fault Slow(int ms, HttpMethod? method = null) => new(FaultKind.Slow, method, ms);
    public static Fault Down(HttpMethod? method = null) => new(FaultKind.Down, method);
    public static Fault Late(HttpMethod method) => new(FaultKind.Late, method, GroupWritesOnly: true);
    public static Fault Frozen(HttpMethod method) => new(FaultKind.Frozen, method, GroupWritesOnly: true);

    public bool Matches(HttpMethod method, string path) =>
        (Method is null || Method == method) && (!GroupWritesOnly || path.TrimEnd('/') == "/v1/group");

    public override string ToString() => Method is null ? Kind.ToString() : $"{Kind}({Method})";
}
