using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace ClusterGroups.Contracts;

// The body of POST/DELETE /v1/group/: {"groupId": "..."}.
public sealed record GroupRequest([property: JsonPropertyName("groupId"), JsonRequired] string GroupId);

public static class GroupRequestReader
{
    public const long MaxBodyBytes = 4 * 1024;

    // Strict on purpose: wrong types, unknown or duplicate properties, trailing data and comments are all refused.
    private static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        PropertyNameCaseInsensitive = false,
        MaxDepth = 4,
    };

    /// <summary>Reads and validates the body; returns the groupId or a reason fit for a 400 answer.</summary>
    /// <remarks>
    /// The body is always read to its end, also when it is refused: an unread body makes the server close the
    /// connection, and the caller may then see a reset instead of the 400.
    /// </remarks>
    public static async Task<(string? GroupId, string? Error)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var (body, tooLarge) = await ReadCappedAsync(request.Body, ct);
        if (tooLarge)
        {
            return (null, $"The body is larger than {MaxBodyBytes} bytes.");
        }

        if (!request.HasJsonContentType() && !string.IsNullOrEmpty(request.ContentType))
        {
            return (null, "The body must be JSON (Content-Type: application/json).");
        }

        return Parse(body);
    }

    public static (string? GroupId, string? Error) Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return (null, "The body is empty; expected {\"groupId\": \"<id>\"}.");
        }

        GroupRequest? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<GroupRequest>(body, Strict);
        }
        catch (JsonException)
        {
            // The exception text is not echoed: it can carry fragments of the caller's input.
            return (null, "The body is not a JSON object of the form {\"groupId\": \"<id>\"}.");
        }

        if (parsed is null)
        {
            return (null, "The body is not a JSON object of the form {\"groupId\": \"<id>\"}.");
        }

        return GroupId.IsValid(parsed.GroupId)
            ? (parsed.GroupId, null)
            : (null, $"groupId is invalid: {GroupId.Rule}.");
    }

    // Keeps at most MaxBodyBytes; the rest is read and dropped.
    private static async Task<(byte[] Body, bool TooLarge)> ReadCappedAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        var tooLarge = false;
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            tooLarge |= buffer.Length + read > MaxBodyBytes;
            if (!tooLarge)
            {
                buffer.Write(chunk, 0, read);
            }
        }

        return (buffer.ToArray(), tooLarge);
    }
}
