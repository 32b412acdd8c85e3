using System.Text.Json.Nodes;
using ClusterGroups.Cli;
using Spectre.Console.Testing;

namespace ClusterGroups.Tests.Infrastructure;

// What one in-process run of `groups ...` printed and returned.
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public ExitCode Code => (ExitCode)ExitCode;

    public JsonNode Json() => JsonNode.Parse(Out) ?? throw new InvalidOperationException("no JSON on the output");

    public override string ToString() => $"exit {ExitCode}\n--- out\n{Out}\n--- error\n{Error}";
}

// Runs the client in-process (CliApp.RunAsync) with test consoles, an optional scripted handler and a clean environment.
public static class CliRunner
{
    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(null, null, args);

    public static Task<CliRun> RunAsync(HttpMessageHandler? handler, params string[] args) => RunAsync(handler, null, args);

    public static async Task<CliRun> RunAsync(
        HttpMessageHandler? handler, IReadOnlyDictionary<string, string>? environment, string[] args, TextReader? input = null)
    {
        var output = new TestConsole().Width(400);
        var error = new TestConsole().Width(400);
        var host = new CliHost(output, error, handler, name => environment?.GetValueOrDefault(name))
        {
            Input = input ?? TextReader.Null,
        };
        var code = await CliApp.RunAsync(args, host).WaitAsync(Wait.Request);
        return new CliRun(code, output.Output, error.Output);
    }
}
