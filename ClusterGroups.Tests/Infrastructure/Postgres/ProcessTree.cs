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

    // The root is frozen first (SIGSTOP) and signalled last. A stopped postmaster forks nothing new, and it cannot die
    // while its children are looked up: a parent killed first is gone before /proc is read, its children already
    // handed to init, so they are neither found nor signalled. A kill -9 then reaches only some of the tree: a backend
    // that outlives it keeps its client's socket open, and one waiting on a lock a killed one held never wakes.
    public static IReadOnlyList<int> Signal(int root, int signal)
    {
        var wasStopped = IsStopped(root);
        if (!Send(root, Stop))
        {
            return [];
        }

        var sent = new List<int> { root };
        foreach (var pid in Descendants(root))
        {
            if (Send(pid, signal))
            {
                sent.Add(pid);
            }
        }

        if (signal != Stop)
        {
            Send(root, signal);

            // The freeze was ours, not the caller's: a tree that was running runs on (and handles the SIGINT it got).
            if (signal == Continue || !wasStopped)
            {
                Send(root, Continue);
            }
        }

        return sent;
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && State(pid) is not ('Z' or 'X' or null);

    public static bool IsStopped(int pid) => State(pid) == 'T';

    // Every process below root, from /proc/<pid>/stat's fourth field (postgres forks its processes from the
    // postmaster; a child's own children, such as an archive_command's shell, are part of the machine too).
    public static IReadOnlyList<int> Descendants(int root)
    {
        var parents = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } stat)
            {
                (parents.TryGetValue(stat.Parent, out var list) ? list : parents[stat.Parent] = []).Add(pid);
            }
        }

        var found = new List<int>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var parent))
        {
            foreach (var child in parents.GetValueOrDefault(parent) ?? [])
            {
                found.Add(child);
                pending.Enqueue(child);
            }
        }

        return found;
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
