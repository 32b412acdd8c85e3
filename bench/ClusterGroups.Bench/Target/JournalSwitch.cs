namespace ClusterGroups.Bench.Target;

// The journal's cost is measured by running the Api once with its coordinator store (the AppHost's default, when
// the AppHost has a "coordinator" resource) and once with the in-memory journal, which this AppHost argument selects.
// Which coordinator runs is --coordinator's choice: the coordinator store of --store's kind (garnet, the AppHost's
// default) or a local PostgreSQL (the AppHost's Cluster:Coordinator=postgres, run from Debian's binaries).
public static class JournalSwitch
{
    public const string CoordinatorResource = "coordinator";
    public static readonly IReadOnlyList<string> InMemoryArgs = ["--Cluster:Coordinator=false"];

    public const string Garnet = "garnet";
    public const string Postgres = "postgres";
    public static readonly IReadOnlyList<string> Coordinators = [Garnet, Postgres];

    // The AppHost arguments that select the coordinator; the in-memory arguments, given after them, win.
    public static IReadOnlyList<string> ArgsFor(string coordinator) =>
        coordinator == Postgres ? ["--Cluster:Coordinator=postgres"] : ["--Cluster:Coordinator=true"];

    public static string Describe(bool? hasCoordinator, bool postgres = false) => hasCoordinator switch
    {
        true => postgres ? "coordinator (PostgreSQL)" : "coordinator (Redis protocol)",
        false => "in-memory",
        _ => "unknown",
    };

    public static bool IsCoordinator(string description) => description.StartsWith(CoordinatorResource, StringComparison.Ordinal);
}
