using System.CommandLine;
using Spectre.Console;

namespace ClusterGroups.Cli;

// Runs a command's body with a fresh context and turns every failure into one sentence and one exit code.
public sealed class CommandRunner(CliHost host, GlobalOptions options)
{
    public GlobalOptions Options => options;

    public void SetAction(Command command, Func<CliContext, ParseResult, CancellationToken, Task<ExitCode>> body) =>
        command.SetAction(async (parse, ct) => (int)await RunAsync(parse, body, ct));

    private async Task<ExitCode> RunAsync(
        ParseResult parse, Func<CliContext, ParseResult, CancellationToken, Task<ExitCode>> body, CancellationToken ct)
    {
        var json = parse.GetValue(options.Json);
        var verbose = parse.GetValue(options.Verbose);
        try
        {
            using var context = CliContext.Create(host, options, parse);
            try
            {
                return await body(context, parse, ct);
            }
            catch (ClusterGroups.Client.ClusterGroupsException e)
            {
                throw CliErrors.From(e, context.KeyGiven);
            }
        }
        catch (CliException e)
        {
            return Fail(e.Code, e.Message, e.Detail, json, verbose);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Fail(ExitCode.Internal, "Cancelled; an operation already sent may still finish (see `groups ops --open`).", null, json, verbose);
        }
        catch (Exception e)
        {
            return Fail(ExitCode.Internal, $"Unexpected error: {e.Message}", e.ToString(), json, verbose);
        }
    }

    /// <summary>One sentence on the error console (and a JSON object on the output with --json).</summary>
    public ExitCode Fail(ExitCode code, string message, string? detail, bool json, bool verbose)
    {
        host.Error.MarkupLineInterpolated($"[red]error:[/] {message}");
        if (verbose && !string.IsNullOrWhiteSpace(detail))
        {
            host.Error.MarkupLineInterpolated($"[grey]{detail}[/]");
        }

        if (json)
        {
            host.OutWriter.WriteLine(System.Text.Json.JsonSerializer.Serialize(
                new { error = message, exitCode = (int)code, outcome = code.ToString() }, CliContext.Web));
        }

        return code;
    }
}
