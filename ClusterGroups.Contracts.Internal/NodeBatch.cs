using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterGroups.Contracts;

// POST /v1/groups/batch (cluster key): several writes to one node in one request, each answered as its own single
// route would answer it (docs/ARCHITECTURE.md, "Node HTTP contract", batch). The Api sends one when writes for a node
// queue up behind a request still in flight (Nodes/BatchingNodeClient); every item keeps its groupId,
// Idempotency-Key and fencing token, and the node runs one store script per item (atomic per item, not per batch).
public static class NodeBatch
{
    public const string Route = "/v1/groups/batch";

    // A bound on one request: a batch larger than this is refused whole (400), nothing written.
    public const int MaxItems = 256;

    // 256 items of a 128-character id and two 128-character keys fit with room to spare.
    public const long MaxBodyBytes = 256 * 1024;

    public const string Create = "create";
    public const string Delete = "delete";
    public const string Abort = "abort";
    public const string TakeOver = "takeover";
}

// One write of a batch: what the single route takes in its path, body and headers. Kind: create (POST /v1/group/),
// delete (DELETE /v1/group/), abort (POST /v1/group/{id}/abort), takeover (POST /v1/group/{id}/takeover). Key is the
// Idempotency-Key (the apply key of a takeover), Token the X-Fencing-Token, UndoKey the X-Undo-Key of a takeover.
public sealed record NodeBatchItem(string Kind, string GroupId, string? Key = null, long? Token = null, string? UndoKey = null);

public sealed record NodeBatchRequest(IReadOnlyList<NodeBatchItem> Items);

// One item's answer: the status, the response headers and the JSON body its single route would have given
// (a ProblemDetails for a refusal; null when that route answers without a body).
public sealed record NodeBatchAnswer(int Status, IReadOnlyDictionary<string, string> Headers, JsonElement? Body);

// The node's answer to a batch: one answer per item, in the items' order.
public sealed record NodeBatchResponse(string NodeId, IReadOnlyList<NodeBatchAnswer> Items);

// The node's strict reading of a batch body (as GroupRequestReader's of a single write): a batch it cannot read whole
// is refused whole, before anything is written.
public static class NodeBatchReader
{
    // The web defaults read "1" as a number: a token is a JSON number here, as strict as the header's rule.
    private static readonly JsonSerializerOptions Strict = new(GroupRequestReader.Strict) { NumberHandling = JsonNumberHandling.Strict };

    public static (NodeBatchRequest? Batch, string? Error) Parse(ReadOnlySpan<byte> body)
    {
        const string shape = "The body is not a JSON object of the form {\"items\": [{\"kind\", \"groupId\", \"key\", \"token\", \"undoKey\"}, ...]}.";
        if (body.IsEmpty)
        {
            return (null, "The body is empty; " + shape[4..]);
        }

        NodeBatchRequest? batch;
        try
        {
            batch = JsonSerializer.Deserialize<NodeBatchRequest>(body, Strict);
        }
        catch (JsonException)
        {
            // The exception text is not echoed: it can carry fragments of the caller's input.
            return (null, shape);
        }

        return batch switch
        {
            null => (null, shape),
            { Items.Count: 0 } => (null, "The batch has no items."),
            { Items.Count: > NodeBatch.MaxItems } => (null, $"At most {NodeBatch.MaxItems} items per batch."),
            _ when batch.Items.Any(i => i is null) => (null, shape),
            _ => (batch, null),
        };
    }
}
