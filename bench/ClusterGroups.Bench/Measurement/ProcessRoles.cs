namespace ClusterGroups.Bench.Measurement;

// Stores: the nodes' stores; Journal: the coordinator's store (a Redis-protocol one), apart because it serves every
// operation twice while each node store serves it once.
public enum Role { Api, Nodes, Stores, Journal, Orchestration, Bench }

// Which processes play which part, so CPU can be split by role. Fixed once the cluster is up (pids do not change
// during a phase); a role with no pid found is simply absent.
public sealed class ProcessRoles(IReadOnlyDictionary<Role, IReadOnlyList<int>> pids)
{
    public IReadOnlyDictionary<Role, IReadOnlyList<int>> Pids => pids;

    public int? ApiPid => pids.TryGetValue(Role.Api, out var api) && api.Count == 1 ? api[0] : null;

    public CpuSnapshot Sample() => new(pids.ToDictionary(
        kv => kv.Key,
        kv => kv.Value.Sum(pid => ProcFs.Read(pid)?.CpuSeconds ?? 0)));

    public long? ApiPeakRssBytes() => ApiPid is { } pid ? ProcFs.Read(pid)?.PeakRssBytes : null;

    // Started mode: every process of the app descends from the dcp API server that monitors this process. The store
    // listening on coordinatorPort, if any, is the journal's.
    public static ProcessRoles FromOwnOrchestrator(int? coordinatorPort)
    {
        var all = ProcFs.All();
        var self = Environment.ProcessId;
        var roots = all.Where(p => p.CommandLine.Contains("dcp start-apiserver", StringComparison.Ordinal)
                                   && p.CommandLine.Contains($"--monitor {self} ", StringComparison.Ordinal))
            .Select(p => p.Pid).ToHashSet();
        var children = all.ToLookup(p => p.ParentPid);
        var ours = new List<ProcInfo>();
        var pending = new Queue<int>(roots);
        foreach (var root in all.Where(p => roots.Contains(p.Pid)))
        {
            ours.Add(root);
        }

        while (pending.TryDequeue(out var pid))
        {
            foreach (var child in children[pid])
            {
                ours.Add(child);
                pending.Enqueue(child.Pid);
            }
        }

        List<int> stores = [.. Pick(ours, "ClusterGroups.Store"), .. ours.Where(p => p.CommandLine.StartsWith("redis-server", StringComparison.Ordinal)
                                                                           || p.CommandLine.Contains("/redis-server ", StringComparison.Ordinal)).Select(p => p.Pid)];
        var journal = coordinatorPort is { } port && ProcFs.PidListeningOn(port) is { } listening && stores.Remove(listening) ? new[] { listening } : [];
        var roles = new Dictionary<Role, IReadOnlyList<int>>
        {
            [Role.Api] = Pick(ours, "ClusterGroups.Api"),
            [Role.Nodes] = Pick(ours, "ClusterGroups.Node"),
            [Role.Stores] = stores,
            [Role.Journal] = journal,
            // dcp (API server, controllers, the TCP proxies in front of proxied endpoints, process monitors) and the
            // "dotnet run" launchers.
            [Role.Orchestration] = [.. ours.Where(p => p.CommandLine.Contains("/dcp ", StringComparison.Ordinal) || IsLauncher(p)).Select(p => p.Pid)],
            [Role.Bench] = [self],
        };
        return new ProcessRoles(roles);
    }

    // External mode: the processes listening on the given ports, when they run on this machine.
    public static ProcessRoles FromPorts(int apiPort, IEnumerable<int> nodePorts)
    {
        var roles = new Dictionary<Role, IReadOnlyList<int>> { [Role.Bench] = [Environment.ProcessId] };
        if (ProcFs.PidListeningOn(apiPort) is { } api)
        {
            roles[Role.Api] = [api];
        }

        roles[Role.Nodes] = [.. nodePorts.Select(ProcFs.PidListeningOn).OfType<int>().Distinct()];
        return new ProcessRoles(roles);
    }

    // The app itself, not its "dotnet run" launcher: its first word is the apphost binary or "dotnet X.dll".
    private static List<int> Pick(IEnumerable<ProcInfo> processes, string assembly) =>
        [.. processes.Where(p => !IsLauncher(p) && FirstWords(p).Any(w => w.EndsWith("/" + assembly, StringComparison.Ordinal)
                                                                              || w.EndsWith("/" + assembly + ".dll", StringComparison.Ordinal)))
            .Select(p => p.Pid)];

    private static bool IsLauncher(ProcInfo p) => p.CommandLine.Contains(" run --project ", StringComparison.Ordinal);

    private static IEnumerable<string> FirstWords(ProcInfo p) => p.CommandLine.Split(' ').Take(3);
}

public sealed record CpuSnapshot(IReadOnlyDictionary<Role, double> Seconds)
{
    public Dictionary<Role, double> Since(CpuSnapshot earlier) =>
        Seconds.ToDictionary(kv => kv.Key, kv => kv.Value - earlier.Seconds.GetValueOrDefault(kv.Key));
}
