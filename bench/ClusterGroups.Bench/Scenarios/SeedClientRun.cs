using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ClusterGroups.Bench.Output;

namespace ClusterGroups.Bench.Scenarios;

// The seed's client on this machine, in this run (issue 27 compares the Api with it): the seed's own repository
// (danielmursa/coding-challenge, --seed-repo) run as its README runs it, three of its Flask nodes sharing one SQLite
// database (docker-compose's shared volume) and its ClusterClient creating and deleting one group at a time
// (Seed/seed_client.py only loops and times it). Nothing of the seed is copied into this repository or changed:
// the bench copies the checkout into a temporary directory, so its database and logs are fresh and stay out of it.
public static class SeedClientRun
{
    public const int Nodes = 3;
    public static readonly IReadOnlyList<int> Concurrency = [1, 16];

    private const string Modules = "import flask, flask_sqlalchemy, requests";
    private static readonly TimeSpan NodeStartLimit = TimeSpan.FromSeconds(30);

    public static async Task<SeedClientResult> RunAsync(BenchOptions options, CancellationToken ct)
    {
        if (options.SeedRepository is not { } repository)
        {
            return SeedClientResult.NotMeasured("--seed-repo not given (a checkout or clone of danielmursa/coding-challenge)");
        }

        if (await FindPythonAsync(options.SeedPython, ct) is not { } python)
        {
            return SeedClientResult.NotMeasured($"no Python with the seed's modules ({Modules}; Debian: apt-get install python3-flask-sqlalchemy python3-requests)");
        }

        var work = Directory.CreateTempSubdirectory("cg-seed-");
        var nodes = new List<Process>();
        try
        {
            var commit = await CopySeedAsync(repository, work.FullName, ct);
            var app = Path.Combine(work.FullName, "app");
            Directory.CreateDirectory(Path.Combine(app, "data"));
            var urls = new List<Uri>();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            // One at a time: each creates the shared database's table on start, and two at once race for it.
            for (var i = 1; i <= Nodes; i++)
            {
                var port = FreePort();
                nodes.Add(Start(python, app, ["app.py"], new() { ["ENV"] = "docker", ["NODE_ID"] = $"{i}", ["PORT"] = $"{port}" }));
                var url = new Uri($"http://127.0.0.1:{port}");
                await UntilUpAsync(http, url, nodes[^1], ct);
                urls.Add(url);
            }

            var driver = Path.Combine(AppContext.BaseDirectory, "Seed", "seed_client.py");
            var profile = options.Profile;
            var phases = new List<SeedPhase>();
            foreach (var concurrency in Concurrency)
            {
                var seconds = concurrency == 1 ? profile.ApiLatency : profile.ApiThroughput;
                var output = await RunToEndAsync(python, work.FullName,
                    [driver, Path.Combine(work.FullName, "client"), string.Join(',', urls.Select(u => u.ToString().TrimEnd('/'))),
                     $"{seconds.TotalSeconds}", $"{concurrency}", $"{profile.Warmup.TotalSeconds / 2}"],
                    seconds + profile.Warmup + TimeSpan.FromMinutes(2), ct);
                var phase = JsonSerializer.Deserialize<SeedPhase>(output.Trim().Split('\n')[^1], new JsonSerializerOptions(JsonSerializerDefaults.Web))
                            ?? throw new InvalidOperationException($"The seed's driver printed no result: {output}");
                phases.Add(phase);
                Console.WriteLine($"  seed's client c={concurrency}: {phase.OpsPerSecond:F1} ops/s, p50 {phase.P50Ms:F2} ms, p99 {phase.P99Ms:F2} ms, {phase.Failed} of {phase.Operations} failed");
            }

            return new SeedClientResult(repository, commit, python, phases, null);
        }
        finally
        {
            foreach (var node in nodes)
            {
                Stop(node);
            }

            work.Delete(recursive: true);
        }
    }

    // The first of the candidates that has flask, flask_sqlalchemy and requests (pyenv's python3 and Debian's differ).
    private static async Task<string?> FindPythonAsync(string? given, CancellationToken ct)
    {
        foreach (var python in given is null ? ["python3", "/usr/bin/python3"] : new[] { given })
        {
            try
            {
                await RunToEndAsync(python, Directory.GetCurrentDirectory(), ["-c", Modules], TimeSpan.FromSeconds(30), ct);
                return python;
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Not this one.
            }
        }

        return null;
    }

    // A work tree (app/app.py in it) is copied; anything else is taken as a git repository or URL and its HEAD archived.
    private static async Task<string?> CopySeedAsync(string repository, string into, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(repository, "app", "app.py")))
        {
            foreach (var dir in new[] { "app", "client" })
            {
                CopyDirectory(Path.Combine(repository, dir), Path.Combine(into, dir));
            }

            return await GitAsync(["-C", repository, "rev-parse", "--short", "HEAD"], ct);
        }

        var clone = Path.Combine(into, "clone");
        await RunToEndAsync("git", into, ["clone", "--quiet", "--depth", "1", repository, clone], TimeSpan.FromMinutes(2), ct);
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

    private static Process Start(string file, string directory, IEnumerable<string> args, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        // Flask logs every request: drain both pipes so a full one never stalls a node.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<string> RunToEndAsync(string file, string directory, IEnumerable<string> args, TimeSpan limit, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(ct);
            var error = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct).WaitAsync(limit, ct);
            return process.ExitCode == 0
                ? await output
                : throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} exited {process.ExitCode}: {await error}");
        }
        catch (TimeoutException)
        {
            Stop(process);
            throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} did not end within {limit.TotalSeconds:F0} s.");
        }
    }

    private static async Task UntilUpAsync(HttpClient http, Uri url, Process node, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (node.HasExited)
            {
                throw new InvalidOperationException($"The seed's node at {url} exited ({node.ExitCode}) while starting.");
            }

            try
            {
                using var response = await http.GetAsync(url, ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > NodeStartLimit)
            {
                throw new TimeoutException($"The seed's node at {url} was not up within {NodeStartLimit.TotalSeconds:F0} s.");
            }

            await Task.Delay(100, ct);
        }
    }

    // Below the ephemeral range (32768-60999), where the kernel picks client ports, and free now.
    private static int FreePort()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Any, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken: another.
            }
        }

        throw new InvalidOperationException("No free port in 20000-32000.");
    }

    private static void Stop(Process process)
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
