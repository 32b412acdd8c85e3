using System.Globalization;

namespace ClusterGroups.Api.Coordinator;

// What a caller's Idempotency-Key names in the coordinator: the operation it started, and the request it stood for.
// Kept while that operation is open and for Cluster:Coordinator:IdempotencyKeyWindow after it closed. Stored as one
// short string, "<kind> <groupId> <operationId>" (neither a groupId nor an operation id holds a space).
public sealed record KeyedRequest(string OperationId, OperationKind Kind, string GroupId)
{
    public string Write() => string.Create(CultureInfo.InvariantCulture, $"{Kind} {GroupId} {OperationId}");

    public static KeyedRequest Read(string value)
    {
        var parts = value.Split(' ', 3);
        return new KeyedRequest(parts[2], Enum.Parse<OperationKind>(parts[0]), parts[1]);
    }

    // The operation id of a refusal record: the key's request came after its Request-Deadline and began nothing.
    public const string RefusedId = "-";

    public static KeyedRequest PastDeadline(OperationKind kind, string groupId) => new(RefusedId, kind, groupId);

    public bool IsPastDeadline => OperationId == RefusedId;

    // Whether a request for kind and groupId is the one the key was first sent with.
    public bool IsSameRequest(OperationKind kind, string groupId) => Kind == kind && string.Equals(GroupId, groupId, StringComparison.Ordinal);
}
