using ClusterGroups.AppHost.Cluster;

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

var api = builder.AddProject<Projects.ClusterGroups_Api>("api")
    .WithHttpHealthCheck("/health");

for (var n = 1; n <= cluster.Nodes; n++)
{
    string nodeName = $"node{n}", storeName = $"store{n}", nodeSetting = $"Cluster__Nodes__{n - 1}";
    var store = builder.AddNodeStore(storeName, cluster);

    var node = builder.AddProject<Projects.ClusterGroups_Node>(nodeName)
        .WithHttpEndpoint()
        .WithReference(store, connectionName: "store")
        .WaitFor(store)
        .WithEnvironment("Node__Name", nodeName)
        .WithHttpHealthCheck("/health");

    api.WithReference(node)
        .WithEnvironment(nodeSetting, nodeName);
}

builder.Build().Run();
return 0;
