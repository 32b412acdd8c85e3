namespace ClusterGroups.Contracts;

// The seed's node contract (see docs/ARCHITECTURE.md, "Node HTTP contract"), shared by the node that serves it and the
// Api that calls it.
public sealed record NodeInfo(string Name, string Version, string NodeId);

public sealed record NodeGroup(string GroupId, string NodeId);

public sealed record NodeGroupList(string NodeId, IReadOnlyList<NodeGroup> Groups);

public static class NodeHeaders
{
    // Our nodes replay a write sent again with the same key instead of answering "exists"/"not found".
    public const string IdempotencyKey = "Idempotency-Key";

    // Sent on every answer of our nodes, so the Api knows the key is honoured (the seed's Flask nodes ignore it).
    public const string IdempotencySupported = "X-Idempotency-Supported";

    // On GET /v1/group/{id}/: the Idempotency-Key of the write that created the group (present) or deleted it (absent).
    public const string CreatedBy = "X-Created-By";
    public const string DeletedBy = "X-Deleted-By";

    // Set when an answer is a replay of an earlier write with the same key.
    public const string IdempotentReplay = "Idempotent-Replayed";
}

public static class NodeMessages
{
    public const string Exists = "Bad request. Perhaps the object exists.";
    public const string NotFound = "Not found.";
}
