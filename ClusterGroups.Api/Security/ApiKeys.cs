using ClusterGroups.Web.Security;

namespace ClusterGroups.Api.Security;

// Api:Keys, read by hand: the binder cannot take both forms under one name.
//   Api:Keys:<name>=<key>                          a write key (the form of earlier versions);
//   Api:Keys:<name>:Key=<key>, :Role=read|write|admin  (Role defaults to write).
// Rotating a caller's key = a second name with the same role, then the first removed (README "Rotating keys").
public static class ApiKeys
{
    public const string Section = ClusterGroups.Contracts.Settings.SettingNames.ApiKeys;

    public static (IReadOnlyList<AcceptedKey> Keys, IReadOnlyList<string> Errors) Read(IConfiguration configuration)
    {
        var keys = new List<AcceptedKey>();
        var errors = new List<string>();
        foreach (var entry in configuration.GetSection(Section).GetChildren())
        {
            var nested = entry.GetChildren().Any();
            var key = nested ? entry["Key"] : entry.Value;
            var role = (nested ? entry["Role"] : null) ?? ApiRoles.Write;
            if (string.IsNullOrEmpty(key))
            {
                errors.Add($"{Section}:{entry.Key} has no key; set {Section}:{entry.Key}:Key (or {Section}:{entry.Key}=<key>).");
            }
            else if (!ApiRoles.IsKnown(role))
            {
                errors.Add($"{Section}:{entry.Key}:Role is '{role}'; use {string.Join(", ", ApiRoles.All)}.");
            }
            else
            {
                keys.Add(new AcceptedKey(entry.Key, key, ApiRoles.Implied(role)));
            }
        }

        return (keys, errors);
    }
}
