namespace ClusterGroups.Bench.Target;

// The journal's cost is measured by running the Api once with its coordinator store (the AppHost's default, when
// the AppHost has a "coordinator" resource) and once with the in-memory journal, which this AppHost argument selects.
public static class JournalSwitch
{
    public const string CoordinatorResource = "coordinator";
    public static readonly IReadOnlyList<string> InMemoryArgs = ["--Cluster:Coordinator=false"];

    public static string Describe(bool? hasCoordinator) => hasCoordinator switch
    {
        true => "coordinator (Redis protocol)",
        false => "in-memory",
        _ => "unknown",
    };
}
