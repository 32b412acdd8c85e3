using System.Buffers;

namespace ClusterGroups.Contracts;

public static class IdempotencyKeys
{
    public const string Rule = "1-128 characters of A-Z a-z 0-9 - _ . :";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:");

    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= 128 } && !value.AsSpan().ContainsAnyExcept(Allowed);
}
