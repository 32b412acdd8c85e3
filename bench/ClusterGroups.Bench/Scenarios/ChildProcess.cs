using System.Diagnostics;

namespace ClusterGroups.Bench.Scenarios;

// A process the bench started itself (a seed node, the seed's driver, git): killed with its children, and waited for
// a bounded time, so that nothing it started outlives the run.
public static class ChildProcess
{
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
