using System.CommandLine;

namespace ClusterGroups.Cli.Commands;

// create / delete: one id, many ids, or --from-file; on every node or on none.
public static class WriteCommands
{
    public static Command Create(CommandRunner runner) =>
        Build(runner, "create", "Create groups on every node, or on none", create: true);

    public static Command Delete(CommandRunner runner) =>
        Build(runner, "delete", "Delete groups from every node, or from none", create: false);

    private static Command Build(CommandRunner runner, string name, string description, bool create)
    {
        var ids = new Argument<string[]>("id")
        {
            Description = "Group ids, or the seed's form '{\"groupId\": \"1\"}'",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var fromFile = new Option<string?>("--from-file", "-f")
        {
            Description = "Read ids from a file, one a line ('-' reads standard input)",
            HelpName = "FILE",
        };
        var parallel = new Option<int>("--parallel")
        {
            Description = "Operations sent at once in a batch",
            HelpName = "N",
            DefaultValueFactory = _ => 4,
        };
        var command = new Command(name, description) { ids, fromFile, parallel };
        runner.SetAction(command, (context, parse, ct) =>
        {
            var all = Collect(parse.GetValue(ids) ?? [], parse.GetValue(fromFile), context.Host.Input);
            var batch = new Batch(context, create, Math.Clamp(parse.GetValue(parallel), 1, 64));
            return all.Count == 1 && parse.GetValue(fromFile) is null
                ? batch.RunOneAsync(all[0], ct)
                : batch.RunManyAsync(all, ct);
        });
        return command;
    }

    private static IReadOnlyList<string> Collect(string[] arguments, string? file, TextReader input)
    {
        var ids = arguments.Select(GroupIdInput.Parse).ToList();
        if (file is not null)
        {
            ids.AddRange(GroupIdInput.FromFile(file, input));
        }

        return ids.Count > 0
            ? ids
            : throw new CliException(ExitCode.Usage, file is null
                ? "Give at least one group id, or --from-file FILE."
                : $"'{file}' holds no group id.");
    }
}
