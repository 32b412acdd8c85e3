namespace ClusterGroups.UnitTests.FanOut;

public enum FaultKind
{
    Ok,
    // 500, nothing changed.
    Status500BeforeApply,
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
}

// One scripted answer, consumed by the first request it matches (any method when Method is null).
public sealed record Fault(FaultKind Kind, HttpMethod? Method = null, int DelayMs = 0)
{
    public static Fault Ok(HttpMethod? method = null) => new(FaultKind.Ok, method);
    public static Fault Status500BeforeApply(HttpMethod? method = null) => new(FaultKind.Status500BeforeApply, method);
    public static Fault Status500AfterApply(HttpMethod? method = null) => new(FaultKind.Status500AfterApply, method);
    public static Fault TimeoutBeforeApply(HttpMethod? method = null) => new(FaultKind.TimeoutBeforeApply, method);
    public static Fault TimeoutAfterApply(HttpMethod? method = null) => new(FaultKind.TimeoutAfterApply, method);
    public static Fault ConnectionRefused(HttpMethod? method = null) => new(FaultKind.ConnectionRefused, method);
    public static Fault Slow(int ms, HttpMethod? method = null) => new(FaultKind.Slow, method, ms);
    public static Fault Down(HttpMethod? method = null) => new(FaultKind.Down, method);

    public bool Matches(HttpMethod method) => Method is null || Method == method;

    public override string ToString() => Method is null ? Kind.ToString() : $"{Kind}({Method})";
}
