using System.Text.Json;
using ClusterGroups.Contracts;
using ClusterGroups.Web.Http;

namespace ClusterGroups.Api.Groups;

// The strict reading of POST /v1/batch's body (BatchRequest), by the rules the single write's body is read by
// (GroupRequestReader): wrong types, unknown or duplicate properties, trailing data and comments refuse the batch
// whole, before anything is done. What a write's values mean (kind, groupId, key, deadline) is checked per write.
public static class BatchBody
{
    // Per write: a 128-character id and key, a deadline and the property names fit with room to spare.
    public const int MaxBytesPerWrite = 1024;

    private const string Shape =
        "The body is not a JSON object of the form {\"writes\": [{\"kind\": \"create\" or \"delete\", \"groupId\", \"idempotencyKey\", \"deadline\"}, ...]}.";

    public static async Task<(BatchRequest? Batch, string? Error)> ReadAsync(HttpRequest request, int maxWrites, CancellationToken ct)
    {
        var limit = (long)(maxWrites + 1) * MaxBytesPerWrite;
        // Read to its end also when refused (GroupRequestBody): the caller then sees the 400, not a reset.
        var (body, tooLarge) = await GroupRequestBody.ReadCappedAsync(request.Body, limit, ct);
        if (tooLarge)
        {
            return (null, $"The body is larger than {limit} bytes.");
        }

        if (!request.HasJsonContentType() && !string.IsNullOrEmpty(request.ContentType))
        {
            return (null, "The body must be JSON (Content-Type: application/json).");
        }

        return Parse(body, maxWrites);
    }

    public static (BatchRequest? Batch, string? Error) Parse(ReadOnlySpan<byte> body, int maxWrites)
    {
        if (body.IsEmpty)
        {
            return (null, "The body is empty; " + Shape[4..]);
        }

        BatchRequest? batch;
        try
        {
            batch = JsonSerializer.Deserialize<BatchRequest>(body, GroupRequestReader.Strict);
        }
        catch (JsonException)
        {
            // The exception text is not echoed: it can carry fragments of the caller's input.
            return (null, Shape);
        }

        return batch switch
        {
            null or { Writes: null } => (null, Shape),
            { Writes.Count: 0 } => (null, "The batch has no writes."),
            _ when batch.Writes.Count > maxWrites => (null, $"At most {maxWrites} writes per batch."),
            _ when batch.Writes.Any(w => w is null) => (null, Shape),
            _ => (batch, null),
        };
    }
}
