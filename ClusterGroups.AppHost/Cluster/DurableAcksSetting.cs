using ClusterGroups.Contracts.Settings;

namespace ClusterGroups.AppHost.Cluster;

public static class DurableAcksSetting
{
    // The embedded store's answers are durable only if its clients commit its log (StoreArguments.Garnet), so
    // Cluster:DurableAcks=false (the benchmark's A/B) goes to the nodes and the Api too; true is their default.
    public static IResourceBuilder<ProjectResource> WithDurableAcks(this IResourceBuilder<ProjectResource> service, ClusterSettings cluster) =>
        cluster.DurableAcks ? service : service.WithEnvironment(SettingNames.EnvironmentVariable(SettingNames.DurableAcks), "false");
}
