using System.Buffers;

namespace ClusterGroups.Contracts;

/// <summary>The rule an <c>Idempotency-Key</c> follows (the Api's and the nodes').</summary>
public static class IdempotencyKeys
{
    /// <summary>The rule in words.</summary>
    public const string Rule = "1-128 characters of A-Z a-z 0-9 - _ . :";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:");

    /// <summary>Whether <paramref name="value"/> follows the rule.</summary>
    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= 128 } && !value.AsSpan().ContainsAnyExcept(Allowed);
}
