using System.Globalization;

namespace ClusterGroups.Bench.Measurement;

public sealed record ProcInfo(int Pid, int ParentPid, string CommandLine, double CpuSeconds, long PeakRssBytes);

// What Linux tells about processes and sockets under /proc; empty answers elsewhere.
public static class ProcFs
{
    // utime and stime are in clock ticks; USER_HZ is 100 on every Linux the SDK runs on.
    private const double TicksPerSecond = 100.0;

    public static IReadOnlyList<ProcInfo> All() =>
        [.. EnumeratePids().Select(Read).OfType<ProcInfo>()];

    public static ProcInfo? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return new ProcInfo(pid, parent, commandLine, ticks / TicksPerSecond, PeakRss(pid));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    // The process listening on this TCP port, found through the socket's inode.
    public static int? PidListeningOn(int port)
    {
        var inodes = Sockets().Where(s => s.State == Listen && s.LocalPort == port).Select(s => s.Inode).ToHashSet();
        if (inodes.Count == 0)
        {
            return null;
        }

        foreach (var pid in EnumeratePids())
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                        && long.TryParse(target[8..^1], CultureInfo.InvariantCulture, out var inode) && inodes.Contains(inode))
                    {
                        return pid;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    // TCP connections to these remote ports: how many are open, and how many were closed recently (TIME_WAIT).
    public static (int Established, int TimeWait) ConnectionsTo(IReadOnlySet<int> remotePorts)
    {
        var toPorts = Sockets().Where(s => remotePorts.Contains(s.RemotePort)).ToList();
        return (toPorts.Count(s => s.State == Established), toPorts.Count(s => s.State == TimeWait));
    }

    private const int Established = 0x01, TimeWait = 0x06, Listen = 0x0A;

    private sealed record Socket(int LocalPort, int RemotePort, int State, long Inode);

    private static IEnumerable<Socket> Sockets()
    {
        foreach (var table in (string[])["/proc/net/tcp", "/proc/net/tcp6"])
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(table);
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var line in lines.Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9)
                {
                    yield return new Socket(Port(f[1]), Port(f[2]), int.Parse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                        long.Parse(f[9], CultureInfo.InvariantCulture));
                }
            }
        }
    }

    private static int Port(string address) =>
        int.Parse(address[(address.IndexOf(':', StringComparison.Ordinal) + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static long PeakRss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private static IEnumerable<int> EnumeratePids()
    {
        if (!Directory.Exists("/proc"))
        {
            yield break;
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }
}
