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
    public static async Task<(string? GroupId, string? Error)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is > MaxBodyBytes)
        {
            return (null, $"The body is larger than {MaxBodyBytes} bytes.");
        }

        if (!request.HasJsonContentType() && !string.IsNullOrEmpty(request.ContentType))
        {
            return (null, "The body must be JSON (Content-Type: application/json).");
        }

        byte[] body;
        try
        {
            body = await ReadCappedAsync(request.Body, ct);
        }
        catch (InvalidDataException)
        {
            return (null, $"The body is larger than {MaxBodyBytes} bytes.");
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

    private static async Task<byte[]> ReadCappedAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new InvalidDataException();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
