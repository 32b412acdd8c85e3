using Microsoft.Extensions.Configuration;

namespace ClusterGroups.AppHost.Cluster;

public enum StoreKind { Garnet, RedisServer, Redis }

public sealed class ClusterConfigurationException(string message) : Exception(message);

// The AppHost's own settings (docs/ARCHITECTURE.md, "Resources and settings"): Cluster:Nodes, Cluster:Store, and
// Cluster:DataDir for the stores' files, Cluster:DurableAcks (true unless a benchmark measures what it costs).
public sealed record ClusterSettings(
    int Nodes, StoreKind Store, string DataDir, bool Coordinator, int ApiReplicas, IReadOnlyDictionary<string, string> Chaos,
    bool DurableAcks = true)
{
    public const int MaxNodes = 32;

    public static ClusterSettings Read(IConfiguration configuration, string appHostDirectory)
    {
        var nodesText = configuration["Cluster:Nodes"] ?? "3";
        if (!int.TryParse(nodesText, out var nodes) || nodes is < 1 or > MaxNodes)
        {
            throw new ClusterConfigurationException(
                $"Cluster:Nodes is '{nodesText}'; give a whole number from 1 to {MaxNodes}, e.g. -- --Cluster:Nodes=5.");
        }

        var kindText = configuration["Cluster:Store"] ?? "garnet";
        var kind = kindText.ToLowerInvariant() switch
        {
            "garnet" => StoreKind.Garnet,
            "redis-server" => StoreKind.RedisServer,
            "redis" => StoreKind.Redis,
            _ => throw new ClusterConfigurationException(
                $"Cluster:Store is '{kindText}'; use garnet (embedded, the default), redis-server (a local redis-server binary) or redis (containers, needs Docker)."),
        };

        StorePreflight.Check(kind);

        var coordinatorText = configuration["Cluster:Coordinator"] ?? "true";
        if (!bool.TryParse(coordinatorText, out var coordinator))
        {
            throw new ClusterConfigurationException(
                $"Cluster:Coordinator is '{coordinatorText}'; give true (journal and locks in the coordinator store, the default) or false (in the Api's memory).");
        }

        var replicasText = configuration["Cluster:ApiReplicas"] ?? "1";
        if (!int.TryParse(replicasText, out var replicas) || replicas is < 1 or > 8 || (replicas > 1 && !coordinator))
        {
            throw new ClusterConfigurationException(
                $"Cluster:ApiReplicas is '{replicasText}'; give 1 to 8 (more than 1 needs Cluster:Coordinator=true, where replicas share locks).");
        }

        var durableText = configuration["Cluster:DurableAcks"] ?? "true";
        if (!bool.TryParse(durableText, out var durableAcks))
        {
            throw new ClusterConfigurationException(
                $"Cluster:DurableAcks is '{durableText}'; give true (a store answers a write once it survives a crash, the default) or false (the benchmark's A/B: acknowledged writes can be lost).");
        }

        var dataDir = Path.GetFullPath(configuration["Cluster:DataDir"] ?? Path.Combine(appHostDirectory, "..", "data"));
        // Chaos:* is handed to every node as it is (e.g. -- --Chaos:FaultRate=0.1); the nodes validate it.
        var chaos = configuration.GetSection("Chaos").AsEnumerable(makePathsRelative: true)
            .Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key, kv => kv.Value!);
        return new ClusterSettings(nodes, kind, dataDir, coordinator, replicas, chaos, durableAcks);
    }

    public string StoreDirectory(string storeName)
    {
        var dir = Path.Combine(DataDir, Store.ToString().ToLowerInvariant(), storeName);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
