using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace ClusterGroups.Cli.Output;

// --help as System.CommandLine writes it, followed by the exit code table and examples.
public sealed class HelpWithExitCodes(HelpAction help) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        var result = help.Invoke(parseResult);
        Write(parseResult.InvocationConfiguration.Output);
        return result;
    }

    public static void Write(TextWriter output)
    {
        output.WriteLine("Exit codes (a batch exits with the worst one seen):");
        foreach (var (code, meaning) in ExitCodes.Table)
        {
            output.WriteLine($"  {(int)code,-3}{meaning}");
        }

        output.WriteLine();
        output.WriteLine("Examples:");
        output.WriteLine("  groups create g1 g2 g3");
        output.WriteLine("  groups create '{\"groupId\": \"1\"}'");
        output.WriteLine("  groups delete --from-file ids.txt --json");
        output.WriteLine("  groups status --api http://localhost:5080 --key $KEY");
        output.WriteLine();
    }
}
