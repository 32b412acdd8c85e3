namespace ClusterGroups.Client;

/// <summary>One group of a listing: where it is, and where it is missing.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="PresentOn">The nodes that hold it.</param>
/// <param name="MissingOn">The reachable nodes that lack it.</param>
public sealed record GroupEntry(string GroupId, IReadOnlyList<string> PresentOn, IReadOnlyList<string> MissingOn);
