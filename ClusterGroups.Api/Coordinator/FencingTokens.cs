namespace ClusterGroups.Api.Coordinator;

// The one token rule: the Api proposes a lease's fencing token, the store takes it only if it is above the group's
// current one. The proposal is the clock in microseconds since 1970 (exact in a Lua double until the year 2255), and
// above `floor`, the current token a refused proposal learned: a replica whose clock runs behind another's costs one
// more round trip, never a token out of order; a store that lost its tokens still gets growing ones from the clock.
public static class FencingTokens
{
    public static long Propose(TimeProvider time, long floor) =>
        Math.Max((time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10, floor + 1);
}
