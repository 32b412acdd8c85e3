using System.Collections.Concurrent;
using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Nodes;

// Every node this replica can reach, by name: the configured ones (Cluster:Nodes) and those the membership added with
// an address (Learn). Which of them an operation runs on, and which are read as truth, is the membership's
// (ClusterMembership); the directory only knows where they are.
public sealed class ClusterDirectory
{
    private readonly ConcurrentDictionary<string, ClusterNode> _byName = new(StringComparer.OrdinalIgnoreCase);

    public ClusterDirectory(Microsoft.Extensions.Options.IOptions<ClusterOptions> options)
    {
        Configured = [.. options.Value.Nodes.Select(ClusterNode.Parse)];
        foreach (var node in Configured)
        {
            _byName[node.Name] = node;
        }
    }

    // In Cluster:Nodes order.
    public IReadOnlyList<ClusterNode> Configured { get; }

    // Every node known: the configured ones, then those the membership added.
    public IReadOnlyList<ClusterNode> Nodes => [.. Configured, .. _byName.Values.Where(n => !Configured.Contains(n)).OrderBy(n => n.Name, StringComparer.Ordinal)];

    // Operations know their nodes by name; null when the node is neither configured nor added with an address.
    public ClusterNode? Find(string name) => _byName.GetValueOrDefault(name);

    // Nodes the membership added with an address become reachable by name.
    public void Learn(Membership membership)
    {
        foreach (var member in membership.Members)
        {
            if (member.Address is { } address && !_byName.ContainsKey(member.Name))
            {
                _byName.TryAdd(member.Name, ClusterNode.Parse(address) is var parsed && parsed.Name == member.Name
                    ? parsed
                    : new ClusterNode(member.Name, parsed.BaseAddress));
            }
        }
    }
}
