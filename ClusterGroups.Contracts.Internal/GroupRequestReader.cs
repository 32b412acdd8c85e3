using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterGroups.Contracts;

// The servers' strict reading of the body of POST/DELETE /v1/group/ (GroupRequest), shared by the Api and the nodes.
public static class GroupRequestReader
{
    public const long MaxBodyBytes = 4 * 1024;

    // Strict on purpose: wrong types, unknown or duplicate properties, trailing data and comments are all refused.
    // (NodeBatchReader reads a batch of writes by the same rules, and the Api's BatchBody a batch of its own.)
    public static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        PropertyNameCaseInsensitive = false,
        MaxDepth = 4,
    };

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
}
