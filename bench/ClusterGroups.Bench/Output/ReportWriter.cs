using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterGroups.Bench.Output;

// Writes the run: bench.json (everything), bench.md (the tables) and the charts, into one directory.
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Write(BenchReport report, string markdown, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "bench.json"), JsonSerializer.Serialize(report, Json));
        File.WriteAllText(Path.Combine(directory, "bench.md"), markdown);
        Charts.Write(report, directory);
        return directory;
    }

    // A run saved before the seed's client was measured has none: it reads as not measured.
    public static BenchReport Read(string directory)
    {
        var report = JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(Path.Combine(directory, "bench.json")), Json)
                     ?? throw new InvalidDataException($"{directory}/bench.json holds no run.");
        return report.SeedClient is null ? report with { SeedClient = SeedClientResult.NotMeasured("not in this bench.json") } : report;
    }

    // bench/results/full (committed), bench/results/quick or bench/results/external, under the repository root.
    public static string DefaultDirectory(string mode)
    {
        var root = FindRoot(Directory.GetCurrentDirectory()) ?? FindRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        var results = Path.Combine(root, "bench", "results");
        return Path.Combine(results, mode);
    }

    private static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClusterGroups.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
