using ClusterGroups.AppHost.Cluster;
using ClusterGroups.Contracts.Settings;

var builder = DistributedApplication.CreateBuilder(args);

ClusterSettings cluster;
try
{
    cluster = ClusterSettings.Read(builder.Configuration, builder.AppHostDirectory);
}
catch (ClusterConfigurationException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

// Secrets, generated on first run and kept in user secrets; the dashboard shows them masked.
var clusterKey = builder.AddSecretKey("cluster-key");
var apiKey = builder.AddSecretKey("api-key");

var api = builder.AddProject<Projects.ClusterGroups_Api>("api")
    .WithReplicas(cluster.ApiReplicas)
    .WithEnvironment(SettingNames.EnvironmentVariable(SettingNames.ClusterKey), clusterKey)
    // The generated default key is an admin key: the dashboard's commands and the CLI can do everything with it.
    // Give monitoring a read key of its own (README "Roles").
    .WithEnvironment(SettingNames.EnvironmentVariable(SettingNames.ApiKeys, "default:Key"), apiKey)
    .WithEnvironment(SettingNames.EnvironmentVariable(SettingNames.ApiKeys, "default:Role"), "admin")
    .WithHttpHealthCheck("/health")
    .WithOperatorLinks()
    .WithConsistencyCommand(apiKey)
    .WithReconcileCommand(apiKey)
    .WithAuditCommand(apiKey)
    .WithRetryPendingCommand(apiKey)
    .WithDurableAcks(cluster);

if (builder.AddCoordinator(cluster) is { } coordinator)
{
    // The Api's own store: the operation journal and the per-group leases, shared by its replicas. The resource's
    // name is the connection string's (ConnectionStrings:coordinator); Cluster:Coordinator:Store says what it is.
    api.WithReference(coordinator).WaitFor(coordinator)
        .WithEnvironment(SettingNames.EnvironmentVariable(SettingNames.CoordinatorStore), cluster.CoordinatorKind.StoreSetting());
}

for (var n = 1; n <= cluster.Nodes; n++)
{
    string nodeName = $"node{n}", storeName = $"store{n}";
    var store = builder.AddStore(storeName, cluster, atomicScripts: true);

    var node = builder.AddProject<Projects.ClusterGroups_Node>(nodeName)
        // Not proxied: a stopped node then refuses connections, which the Api can tell from "answer lost".
        .WithHttpEndpoint(isProxied: false)
        .WithReference(store, connectionName: SettingNames.StoreConnection)
        .WaitFor(store)
        .WithEnvironment(SettingNames.EnvironmentVariable(SettingNames.NodeName), nodeName)
        .WithEnvironment(SettingNames.EnvironmentVariable(SettingNames.ClusterKey), clusterKey)
        .WithChaosSettings(cluster)
        .WithHttpHealthCheck("/health")
        .WithChaosCommands(clusterKey)
        .WithDurableAcks(cluster);

    api.WithReference(node)
        .WithEnvironment(SettingNames.EnvironmentVariable(SettingNames.ClusterNodes, $"{n - 1}"), nodeName);
}

builder.Build().Run();
return 0;
