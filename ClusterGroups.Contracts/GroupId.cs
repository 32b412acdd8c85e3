using System.Buffers;

namespace ClusterGroups.Contracts;

// One rule for a groupId, applied identically by the Api and every node: 1-128 characters of
// letters, digits and "-", "_", ".", ":" ; not starting with "." (so "." and ".." never become path segments).
// Anything else (slashes, spaces, control characters, non-ASCII) is refused before a store is touched.
public static class GroupId
{
    public const int MaxLength = 128;
    public const string Rule = "1-128 characters of A-Z a-z 0-9 - _ . : , not starting with '.'";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:");

    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= MaxLength }
        && value[0] != '.'
        && !value.AsSpan().ContainsAnyExcept(Allowed);
}
