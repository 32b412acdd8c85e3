using System.ComponentModel.DataAnnotations;

namespace ClusterGroups.Node.Network;

// Bound from the "Node" section beside the node's name (Node:NetworkDelay, a TimeSpan such as 00:00:00.001).
public sealed class NetworkDelayOptions
{
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan NetworkDelay { get; set; }
}
