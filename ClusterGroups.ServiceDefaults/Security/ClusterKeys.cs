using ClusterGroups.Contracts.Security;
using Microsoft.Extensions.Configuration;

namespace ClusterGroups.Web.Security;

// The keys between the Api and the nodes: Cluster:Keys:0, :1, … then the single Cluster:Key of earlier versions.
// A node accepts every one of them; the Api sends the first (the primary). Rotation = add the new key on every node,
// make it the Api's first, then withdraw the old one from the nodes (README "Rotating keys").
public static class ClusterKeys
{
    public const string Section = ClusterGroups.Contracts.Settings.SettingNames.ClusterKeys;
    public const string Single = ClusterGroups.Contracts.Settings.SettingNames.ClusterKey;

    public static IReadOnlyList<string> Read(IConfiguration configuration) =>
        [.. configuration.GetSection(Section).GetChildren()
            .OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue)
            .Select(c => c.Value)
            .Append(configuration[Single])
            .Where(k => !string.IsNullOrEmpty(k))
            .Select(k => k!)
            .Distinct(StringComparer.Ordinal)];

    public static string? Primary(IConfiguration configuration) => Read(configuration) is [var first, ..] ? first : null;
}

public static class KeyFingerprint
{
    // The first 8 hex digits of the key's SHA-256: enough for an operator to tell which key a service uses, useless
    // for guessing a 32-character random key. The key itself is never logged. The hash is the one keys are compared by.
    public static string Of(string key) => Convert.ToHexStringLower(KeyComparer.Hash(key))[..8];
}
