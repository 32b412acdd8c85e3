using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Upgrades;

// An app of its own: the test stops the AppHost's Api and runs replicas of two versions on its coordinator, and changes
// the membership. Announcements renew every second and live 4 s, so a replica gone counts for seconds, not a minute.
public sealed class UpgradeFixture : ClusterFixture
{
    protected override void Configure(IDistributedApplicationTestingBuilder builder) =>
        builder.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Cluster__Upgrade__AnnounceInterval", "00:00:01")
            .WithEnvironment("Cluster__Upgrade__AnnouncementLifetime", "00:00:04");
}

[CollectionDefinition(Name)]
public sealed class UpgradeCollection : ICollectionFixture<UpgradeFixture>
{
    public const string Name = "upgrade (3 nodes, garnet, replicas of two versions)";
}
