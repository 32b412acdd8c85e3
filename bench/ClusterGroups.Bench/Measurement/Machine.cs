using System.Runtime.InteropServices;
using ClusterGroups.Bench.Output;

namespace ClusterGroups.Bench.Measurement;

// The machine the figures belong to, and how busy (load average) and how quick to hand off (MachineSpeed) it was when
// the run began and ended.
public static class Machine
{
    public static string LoadAverage() => Read("/proc/loadavg") is { } text ? string.Join(' ', text.Split(' ').Take(3)) : "?";

    public static MachineInfo Describe(string loadAtStart, SpeedProbe speedAtStart) => new(
        Environment.ProcessorCount,
        Line("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Line("/proc/meminfo", "MemTotal") is { } mem && long.TryParse(mem.Split(' ')[0], out var kb) ? Math.Round(kb / 1024.0 / 1024.0, 1) : 0,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        loadAtStart,
        LoadAverage(),
        speedAtStart,
        MachineSpeed.Measure());

    private static string? Line(string path, string key) =>
        Read(path)?.Split('\n').FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal)) is { } line
            ? line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()
            : null;

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
