using System.CommandLine;

namespace ClusterGroups.Cli;

// Options every command takes, before or after the command name.
public sealed class GlobalOptions
{
    public Option<string?> Api { get; } = new("--api")
    {
        Description = $"The Api's address [default: ${CliHost.ApiVariable}, else {CliHost.DefaultApi}]",
        HelpName = "URL",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = $"Api key, sent as {ClusterGroups.Contracts.ApiHeaders.ApiKey} [default: ${CliHost.KeyVariable}]",
        HelpName = "KEY",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine-readable output: the Api's JSON as it answered (a JSON summary for batches)",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Per-node report: effect, compensation and every call (phase, attempt, status or error, ms)",
        Recursive = true,
    };

    public Option<int> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for the Api's answer",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => 100,
        Recursive = true,
    };

    public IEnumerable<Option> All => [Api, Key, Json, Verbose, Timeout];
}
