using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

// SecretsFile=<path>: a JSON file of settings (typically keys: Cluster:Keys, Api:Keys) layered over everything else
// and reloaded when it changes, so keys rotate without a restart. Replace it atomically (write a temporary file, then
// rename it over the old one; a Kubernetes secret volume does this): a half-written file reads as empty.
public static class SecretsFile
{
    public const string Setting = ClusterGroups.Contracts.Settings.SettingNames.SecretsFile;

    public static TBuilder AddSecretsFile<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.Configuration[Setting] is { Length: > 0 } path)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: true);
        }

        return builder;
    }
}
