using System.ComponentModel.DataAnnotations;

namespace ClusterGroups.Api.Upgrades;

// Cluster:Upgrade. How often a replica announces its version in the coordinator, and how long an announcement lives
// unless renewed (a replica that died stops counting that long after its last one).
public sealed class UpgradeOptions
{
    public const string Section = "Cluster:Upgrade";

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan AnnounceInterval { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan AnnouncementLifetime { get; set; } = TimeSpan.FromSeconds(15);

    // Test switch: run as protocol version 2 (the previous one: reads and writes journal entries up to version 2,
    // announces 2), so one build stands in for the previous in the rolling-upgrade test. Unset: the current version.
    [Range(ProtocolVersions.Oldest, ProtocolVersions.Current)]
    public int? Protocol { get; set; }
}
