namespace ClusterGroups.Client;

/// <summary>A group that is not on every reachable node.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="PresentOn">The nodes that hold it.</param>
/// <param name="MissingOn">The reachable nodes that lack it.</param>
/// <param name="LastOperation">The last operation the journal knows on it, if any.</param>
/// <param name="Desired">What the desired state says of it, if anything.</param>
public sealed record DivergentGroup(
    string GroupId, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn, LastOperation? LastOperation,
    DesiredGroup? Desired = null);
