using System.Diagnostics;
using System.Text.Json;
using ClusterGroups.Bench.Output;

namespace ClusterGroups.Bench.Scenarios;

// The seed's client on this machine, in this run (issue 27 compares the Api with it): the seed's own repository
// (danielmursa/coding-challenge, --seed-repo), three of its Flask nodes sharing one SQLite database (as
// docker-compose's shared volume has them) and its ClusterClient creating and deleting one group at a time
// (Seed/seed_client.py only loops and times it). Nothing of the seed is copied into this repository or changed: the
// bench copies the checkout into a temporary directory, so its database and logs are fresh and stay out of it. The
// setting favours the seed: one long-lived client process (its main.py starts a Python process per operation), no
// Docker network, the host's Python and packages. Once --seed-repo is given, any failure here ends the run at once:
// this runs first, before any app of ours, so nothing measured is lost.
public static class SeedClientRun
{
    public const int Nodes = 3;
    public const string Seed = "danielmursa/coding-challenge";
    private static readonly IReadOnlyList<int> Concurrency = [1, 16];

    private const string Modules = "import flask, flask_sqlalchemy, sqlalchemy, requests, sys; "
                                   + "print(sys.version.split()[0], flask.__version__ if hasattr(flask, '__version__') else '?', "
                                   + "sqlalchemy.__version__, requests.__version__)";

    private static readonly TimeSpan NodeStartLimit = TimeSpan.FromSeconds(30);

    public static async Task<SeedClientResult> RunAsync(BenchOptions options, CancellationToken ct)
    {
        if (options.SeedRepository is not { } repository)
        {
            return SeedClientResult.NotMeasured($"--seed-repo not given (a checkout or clone of {Seed})");
        }

        var (python, versions) = await FindPythonAsync(options.SeedPython, ct)
            ?? throw new InvalidOperationException(
                "--seed-repo is given, but no Python has the seed's modules (flask, flask_sqlalchemy, requests; Debian: apt-get install "
                + "python3-flask-sqlalchemy python3-requests), or name one with --seed-python.");
        var work = Directory.CreateTempSubdirectory("cg-seed-");
        var nodes = new List<SeedNode>();
        try
        {
            var commit = await CopySeedAsync(repository, work.FullName, ct);
            var app = Path.Combine(work.FullName, "app");
            Directory.CreateDirectory(Path.Combine(app, "data"));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            // One at a time: each creates the shared database's table on start, and two at once race for it.
            for (var i = 1; i <= Nodes; i++)
            {
                var port = ClusterGroups.Tests.Infrastructure.FreePorts.Pick();
                nodes.Add(SeedNode.Start(python, app, new Uri($"http://127.0.0.1:{port}"),
                    new() { ["ENV"] = "docker", ["NODE_ID"] = $"{i}", ["PORT"] = $"{port}" }));
                await nodes[^1].UntilUpAsync(http, NodeStartLimit, ct);
            }

            var driver = Path.Combine(AppContext.BaseDirectory, "Seed", "seed_client.py");
            var profile = options.Profile;
            var phases = new List<SeedPhase>();
            foreach (var concurrency in Concurrency)
            {
                // The phases of the Api's at the same concurrency; the warm-up is SizeRun's per phase (half the app's).
                var seconds = concurrency == 1 ? profile.ApiLatency : profile.ApiThroughput;
                var output = await RunToEndAsync(python, work.FullName,
                    [driver, Path.Combine(work.FullName, "client"), string.Join(',', nodes.Select(n => n.Url.ToString().TrimEnd('/'))),
                     $"{seconds.TotalSeconds}", $"{concurrency}", $"{profile.Warmup.TotalSeconds / 2}"],
                    seconds + profile.Warmup + TimeSpan.FromMinutes(2), ct);
                var last = output.Trim().Split('\n')[^1];
                var phase = (last.StartsWith('{') ? JsonSerializer.Deserialize<SeedPhase>(last, new JsonSerializerOptions(JsonSerializerDefaults.Web)) : null)
                            ?? throw new InvalidOperationException($"The seed's driver printed no result: '{output}'");
                phases.Add(phase);
                Console.WriteLine($"  seed's client c={concurrency}: {phase.OpsPerSecond:F1} ops/s, p50 {phase.P50Ms:F2} ms, p99 {phase.P99Ms:F2} ms, {phase.Failed} of {phase.Operations} failed");
            }

            return new SeedClientResult(repository, commit, $"{python} ({versions})", phases, null);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }

            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"  could not remove {work.FullName}: {e.Message}");
            }
        }
    }

    // The first of the candidates that has flask, flask_sqlalchemy and requests (pyenv's python3 and Debian's differ),
    // with its version and the packages': Python 3.11 and Flask-SQLAlchemy 3, not the seed's image (python:3.9-slim).
    private static async Task<(string Python, string Versions)?> FindPythonAsync(string? given, CancellationToken ct)
    {
        foreach (var python in given is null ? ["python3", "/usr/bin/python3"] : new[] { given })
        {
            try
            {
                var versions = (await RunToEndAsync(python, Directory.GetCurrentDirectory(), ["-c", Modules], TimeSpan.FromSeconds(30), ct)).Trim().Split(' ');
                return (python, $"Python {versions[0]}, Flask {versions[1]}, SQLAlchemy {versions[2]}, requests {versions[3]}");
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IndexOutOfRangeException)
            {
                // Not this one.
            }
        }

        return null;
    }

    // A work tree (app/app.py in it) is copied as it is, local edits too (the commit says -dirty then); anything else is
    // taken as a git repository (a bare one too) or URL and its HEAD cloned.
    private static async Task<string?> CopySeedAsync(string repository, string into, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(repository, "app", "app.py")))
        {
            foreach (var dir in new[] { "app", "client" })
            {
                CopyDirectory(Path.Combine(repository, dir), Path.Combine(into, dir));
            }

            return await GitAsync(["-C", repository, "describe", "--always", "--dirty"], ct);
        }

        var clone = Path.Combine(into, "clone");
        var source = Directory.Exists(repository) ? Path.GetFullPath(repository) : repository;
        await RunToEndAsync("git", into, ["clone", "--quiet", "--depth", "1", source, clone], TimeSpan.FromMinutes(2), ct);
        foreach (var dir in new[] { "app", "client" })
        {
            Directory.Move(Path.Combine(clone, dir), Path.Combine(into, dir));
        }

        return await GitAsync(["-C", clone, "rev-parse", "--short", "HEAD"], ct);
    }

    private static async Task<string?> GitAsync(string[] args, CancellationToken ct)
    {
        try
        {
            return (await RunToEndAsync("git", Directory.GetCurrentDirectory(), args, TimeSpan.FromSeconds(30), ct)).Trim();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(from).Where(d => Path.GetFileName(d) is not ("data" or "logs" or "__pycache__")))
        {
            CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }

    // Runs a command to its end within the limit; a command that fails, overruns or is cancelled is killed, not left.
    private static async Task<string> RunToEndAsync(string file, string directory, IEnumerable<string> args, TimeSpan limit, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // A wrong or private URL fails at once instead of asking for a password nobody types.
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        var command = $"{file} {string.Join(' ', info.ArgumentList)}";
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(ct);
            var error = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct).WaitAsync(limit, ct);
            return process.ExitCode == 0
                ? await output
                : throw new InvalidOperationException($"{command} exited {process.ExitCode}: {await error}");
        }
        catch (TimeoutException)
        {
            ChildProcess.Kill(process);
            throw new InvalidOperationException($"{command} did not end within {limit.TotalSeconds:F0} s.");
        }
        catch
        {
            ChildProcess.Kill(process);
            throw;
        }
    }
}
