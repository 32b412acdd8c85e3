using ClusterGroups.Bench.Measurement;

namespace ClusterGroups.Bench.Target;

// A cluster that runs already (--api URL --nodes URL,...). Its processes are found by their listening ports when
// they run on this machine; its stores are not known.
public sealed class ExternalCluster(Uri api, IReadOnlyList<Uri> nodes) : IBenchCluster
{
    public int NodeCount => nodes.Count;
    public Uri Api => api;
    public IReadOnlyList<Uri> Nodes => nodes;
    public IReadOnlyList<string> Stores => [];
    public string? Coordinator => null;
    public bool? HasCoordinator => null;
    public string Journal => JournalSwitch.Describe(null);
    public ProcessRoles Processes { get; } = ProcessRoles.FromPorts(api.Port, nodes.Select(n => n.Port));
    public double StartSeconds => 0;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
