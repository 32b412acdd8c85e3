using Spectre.Console;

namespace ClusterGroups.Cli;

// What the client runs against: two consoles, the HTTP handler (tests give their own) and the environment.
public sealed record CliHost(IAnsiConsole Out, IAnsiConsole Error, HttpMessageHandler? Handler, Func<string, string?> Environment)
{
    public const string ApiVariable = "CLUSTERGROUPS_API";
    public const string KeyVariable = "CLUSTERGROUPS_KEY";
    public const string DefaultApi = "http://localhost:5080";

    // Where `--from-file -` reads ids from.
    public TextReader Input { get; init; } = TextReader.Null;

    public static CliHost System() => new(
        AnsiConsole.Console,
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }),
        Handler: null,
        global::System.Environment.GetEnvironmentVariable)
    {
        Input = Console.In,
    };

    // Help and machine output bypass Spectre's line wrapping: written as is.
    public TextWriter OutWriter => Out.Profile.Out.Writer;

    public TextWriter ErrorWriter => Error.Profile.Out.Writer;
}
