using System.Runtime.InteropServices;

namespace ClusterGroups.Tests.Infrastructure.Postgres;

// Signals to a postmaster and every process it forked. A PostgreSQL instance is a process tree: the postmaster and
// one backend per connection, the WAL sender and receiver, the checkpointer... Stopping only the postmaster would
// leave its backends answering queries (SIGSTOP) or finishing their work (kill -9), so a machine's loss or freeze is
// the whole tree's.
internal static class ProcessTree
{
    public const int Kill = 9;
    public const int Stop = 19;
    public const int Continue = 18;
    public const int Interrupt = 2;

    // The postmaster first, so that it forks nothing new while its children are signalled.
    public static IReadOnlyList<int> Signal(int root, int signal)
    {
        var sent = new List<int>();
        if (Send(root, signal))
        {
            sent.Add(root);
        }

        foreach (var child in Children(root))
        {
            if (Send(child, signal))
            {
                sent.Add(child);
            }
        }

        return sent;
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && State(pid) is not ('Z' or 'X' or null);

    public static bool IsStopped(int pid) => State(pid) == 'T';

    // Direct children, from /proc/<pid>/stat's fourth field (postgres forks every process from the postmaster).
    public static IReadOnlyList<int> Children(int parent)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } stat && stat.Parent == parent)
            {
                children.Add(pid);
            }
        }

        return children;
    }

    private static char? State(int pid) => Stat(pid)?.State;

    private static (char State, int Parent)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses; the last ')' ends it.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static bool Send(int pid, int signal) => kill(pid, signal) == 0;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
