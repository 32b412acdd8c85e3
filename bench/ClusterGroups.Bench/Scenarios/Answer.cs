using ClusterGroups.Bench.Measurement;

namespace ClusterGroups.Bench.Scenarios;

// One request as the bench saw it: its outcome class (the Api's outcome, or what the answer was), how many node calls
// the Api's report lists, whether any of them carried a node's Retry-After (the protocol then waited because a node
// asked it to), and the report's own timings (null: no report came back).
public readonly record struct Answer(string Outcome, bool Succeeded, int? NodeCalls, bool MetRetryAfter = false, ReportTiming? Timing = null)
{
    public static Answer NoAnswer(string why) => new(why, false, null);
}
