namespace ClusterGroups.Bench.Scenarios;

// One request as the bench saw it: the HTTP status (null: no answer), the Api's outcome class (from the body's
// "outcome"), and how many node calls the Api's report lists.
public readonly record struct Answer(int? Status, string Outcome, bool Succeeded, int? NodeCalls)
{
    public static Answer NoAnswer(string why) => new(null, why, false, null);
}
