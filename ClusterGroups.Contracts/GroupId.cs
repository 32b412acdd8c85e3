using System.Buffers;

namespace ClusterGroups.Contracts;

// One rule for a groupId, applied identically by the Api and every node: 1-128 characters of
// letters, digits and "-", "_", ".", ":" ; not starting with "." (so "." and ".." never become path segments).
// Anything else (slashes, spaces, control characters, non-ASCII) is refused before a store is touched.
/// <summary>The rule a groupId follows, on the Api and every node.</summary>
public static class GroupId
{
    /// <summary>The longest groupId.</summary>
    public const int MaxLength = 128;

    /// <summary>The rule in words, as the Api's 400 answers say it.</summary>
    public const string Rule = "1-128 characters of A-Z a-z 0-9 - _ . : , not starting with '.'";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:");

    /// <summary>Whether <paramref name="value"/> follows the rule.</summary>
    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= MaxLength }
        && value[0] != '.'
        && !value.AsSpan().ContainsAnyExcept(Allowed);
}
