using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Maintenance;

// An app of its own: membership changes are the whole cluster's state, and the other collections' answers must not
// name epochs they did not make.
public sealed class MaintenanceFixture : ClusterFixture
{
    // A read key beside the AppHost's default (admin) one: the console offers it no membership change.
    public string ReadKey { get; } = $"rk{Guid.NewGuid():N}";

    protected override void Configure(IDistributedApplicationTestingBuilder builder) =>
        builder.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Api__Keys__reader__Key", ReadKey)
            .WithEnvironment("Api__Keys__reader__Role", "read");
}

[CollectionDefinition(Name)]
public sealed class MaintenanceCollection : ICollectionFixture<MaintenanceFixture>
{
    public const string Name = "maintenance (3 nodes, garnet, membership changes)";
}
