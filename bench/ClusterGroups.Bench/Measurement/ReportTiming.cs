namespace ClusterGroups.Bench.Measurement;

// What an operation's report says about its time: its id (GET /v1/operations/{id}), its durationMs (the protocol's
// run inside the Api) and the longest of its node calls' durationMs.
public readonly record struct ReportTiming(string? OperationId, double ProtocolMs, double SlowestCallMs);
