namespace ClusterGroups.Cli;

// A failure the client explains in one sentence and one exit code; Detail is shown only with --verbose.
public sealed class CliException(ExitCode code, string message, string? detail = null) : Exception(message)
{
    public ExitCode Code { get; } = code;

    public string? Detail { get; } = detail;
}
