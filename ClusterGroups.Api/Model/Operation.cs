namespace ClusterGroups.Api.Model;

// What an operation is: its id, kind and group. The keys it writes with come from its id, so a node that honours
// Idempotency-Key can tell this operation's writes (and its undo) from any other's.
public sealed record Operation(string Id, OperationKind Kind, string GroupId)
{
    public string ApplyKey => Id;

    public string UndoKey => $"{Id}:undo";

    public OperationKind Inverse => Kind == OperationKind.Create ? OperationKind.Delete : OperationKind.Create;

    // The group's presence this operation wants on every node.
    public bool DesiredPresence => Kind == OperationKind.Create;
}
