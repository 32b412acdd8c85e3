namespace ClusterGroups.Tests.Infrastructure;

// Real pauses of a process: SIGSTOP freezes every thread, timers included; SIGCONT resumes it.
public static class Signals
{
    public static void Send(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", $"-{signal} {pid}");
        Assert.True(kill.WaitForExit(10_000) && kill.ExitCode == 0, $"kill -{signal} {pid}");
    }
}
