using ClusterGroups.Bench.Measurement;

namespace ClusterGroups.Bench.Target;

// The cluster under measurement, started by the bench or running already.
public interface IBenchCluster : IAsyncDisposable
{
    int NodeCount { get; }
    Uri Api { get; }
    IReadOnlyList<Uri> Nodes { get; }

    // host:port of each node's store and of the Api's own store (the journal), where known.
    IReadOnlyList<string> Stores { get; }
    string? Coordinator { get; }

    // Whether the app model has a "coordinator" resource (the Redis-backed journal); null when unknown.
    bool? HasCoordinator { get; }

    // What keeps the journal, as the report names it (JournalSwitch.Describe).
    string Journal { get; }
    ProcessRoles Processes { get; }
    double StartSeconds { get; }
}
