using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using ClusterGroups.Cli.Commands;
using ClusterGroups.Cli.Output;
using Spectre.Console;

namespace ClusterGroups.Cli;

// The whole client as a function: arguments in, output on the consoles, exit code out. Program.cs and tests call it.
public static class CliApp
{
    public static Task<int> RunAsync(string[] args, IAnsiConsole console, HttpMessageHandler? handler = null) =>
        RunAsync(args, new CliHost(console, console, handler, Environment.GetEnvironmentVariable));

    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken ct = default)
    {
        var options = new GlobalOptions();
        var root = BuildRoot(host, options);
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                host.Error.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
            }

            host.Error.MarkupLineInterpolated($"Run '{Usage(parse)} --help' for usage.");
            return (int)ExitCode.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = host.OutWriter,
            Error = host.ErrorWriter,
            EnableDefaultExceptionHandler = false,
        };
        return await parse.InvokeAsync(invocation, ct);
    }

    public static RootCommand BuildRoot(CliHost host, GlobalOptions options)
    {
        var root = new RootCommand("groups: create, delete and inspect groups on every node of a ClusterGroups cluster.");
        foreach (var option in options.All)
        {
            root.Options.Add(option);
        }

        var runner = new CommandRunner(host, options);
        root.Subcommands.Add(WriteCommands.Create(runner));
        root.Subcommands.Add(WriteCommands.Delete(runner));
        root.Subcommands.Add(GroupCommands.Get(runner));
        root.Subcommands.Add(GroupCommands.List(runner));
        root.Subcommands.Add(ClusterCommands.Status(runner));
        root.Subcommands.Add(ClusterCommands.Reconcile(runner));
        root.Subcommands.Add(ClusterCommands.Nodes(runner));
        root.Subcommands.Add(OperationCommands.List(runner));
        root.Subcommands.Add(OperationCommands.Get(runner));
        AddExitCodesToHelp(root);
        return root;
    }

    private static void AddExitCodesToHelp(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        if (help.Action is HelpAction action)
        {
            help.Action = new HelpWithExitCodes(action);
        }
    }

    private static string Usage(ParseResult parse) =>
        string.Join(' ', parse.CommandResult.Command is RootCommand ? ["groups"] : new[] { "groups", parse.CommandResult.Command.Name });
}
