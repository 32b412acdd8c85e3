using ClusterGroups.Contracts.Settings;

namespace ClusterGroups.AppHost.Cluster;

public static class NodeChaos
{
    // Chaos:* given to the AppHost (e.g. -- --Chaos:FaultRate=0.1) is handed to every node as it is; nodes validate it.
    public static IResourceBuilder<ProjectResource> WithChaosSettings(this IResourceBuilder<ProjectResource> node, ClusterSettings cluster)
    {
        foreach (var (key, value) in cluster.Chaos)
        {
            node.WithEnvironment(SettingNames.EnvironmentVariable(SettingNames.Chaos, key), value);
        }

        return node;
    }
}
