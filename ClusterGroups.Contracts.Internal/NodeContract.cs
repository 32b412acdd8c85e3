namespace ClusterGroups.Contracts;

// The seed's node contract (see docs/ARCHITECTURE.md, "Node HTTP contract"), shared by the node that serves it and the
// Api that calls it.
public sealed record NodeInfo(string Name, string Version, string NodeId);

public sealed record NodeGroup(string GroupId, string NodeId);

public sealed record NodeGroupList(string NodeId, IReadOnlyList<NodeGroup> Groups);

public static class NodeHeaders
{
    // Our nodes replay a write sent again with the same key instead of answering "exists"/"not found". The same header
    // a caller sends the Api, for another hop: the Api's writes to the nodes carry keys of their own (the operation's).
    public const string IdempotencyKey = ApiHeaders.IdempotencyKey;

    // Sent on every answer of our nodes, so the Api knows the key is honoured (the seed's Flask nodes ignore it).
    public const string IdempotencySupported = "X-Idempotency-Supported";

    // On GET /v1/group/{id}/: the Idempotency-Key of the write that created the group (present) or deleted it (absent).
    public const string CreatedBy = "X-Created-By";
    public const string DeletedBy = "X-Deleted-By";

    // Set when an answer is a replay of an earlier write with the same key.
    public const string IdempotentReplay = "Idempotent-Replayed";

    // On every write of the Api: the fencing token of the lease its operation holds on the group. A node keeps the
    // highest it has seen per group, in the same atomic step as the write, and refuses a lower one.
    public const string FencingToken = "X-Fencing-Token";

    // On a 409 refusal: the write carried a lower token than the node has seen for the group (its value).
    public const string Fenced = "X-Fenced";

    // On a 409 refusal: the write's Idempotency-Key was aborted on this node (POST /v1/group/{id}/abort); it never applies.
    public const string WriteAborted = "X-Write-Aborted";

    // On POST /v1/group/{id}/takeover: the operation's undo key (Idempotency-Key names its apply key).
    public const string UndoKey = "X-Undo-Key";
}

// The answer of POST /v1/group/{groupId}/abort (Idempotency-Key: the write to close the door on): what that write
// did on this node before the door closed. Outcome "aborted" means it had not arrived and now never applies.
public sealed record AbortAnswer(string GroupId, string Key, string Write, string Outcome)
{
    public const string Aborted = "aborted";
    public const string Applied = "applied";
    public const string AlreadySo = "alreadyso";
}

// Why our node refused a write, as a code in its problem answer ("code"), so the Api never has to compare sentences.
public static class NodeCodes
{
    public const string Property = "code";

    // A create of a group the node already holds (400): the node is already in the desired state.
    public const string Exists = "exists";
}

// The answer of POST /v1/group/{groupId}/takeover (X-Fencing-Token: the new owner's; Idempotency-Key: the operation's
// apply key; X-Undo-Key: its undo key): the group fenced at that token, and what the operation did here as it stands:
// the group's presence and the key that made it so, and the records of both keys ("create:applied", "abort:aborted",
// ...; Undo null when the undo key was never used).
public sealed record TakeOverAnswer(string GroupId, bool Present, string? WrittenBy, string Apply, string? Undo);

public static class NodeMessages
{
    public const string Exists = "Bad request. Perhaps the object exists.";
    public const string NotFound = "Not found.";
    public const string Fenced = "A later operation holds this group: the write carries an older fencing token.";
    public const string Aborted = "This write was aborted on this node and never applies.";
}
