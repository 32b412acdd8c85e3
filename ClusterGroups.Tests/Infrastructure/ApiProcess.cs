using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.Tests.Infrastructure.Postgres;

namespace ClusterGroups.Tests.Infrastructure;

// An Api replica started by the test itself, beside the AppHost's: the same build and the same settings as the AppHost
// gives its "api" (coordinator, nodes, keys), its own port and the overrides a test asks for (e.g. the protocol version
// it runs as). A real process: stopped with SIGTERM (graceful, as a rolling restart does) or killed with SIGKILL.
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _all = new();

    private ApiProcess(string name, Process process, Uri address, string apiKey)
    {
        (Name, _process, Address, _apiKey) = (name, process, address, apiKey);
    }

    private readonly string _apiKey;

    public string Name { get; }
    public Uri Address { get; }
    public int Pid => _process.Id;
    public string LogTail => string.Join('\n', _log.TakeLast(40));

    // What it logged at error level (the line and the ten after it: the exception), for a failing test's output.
    public string Errors
    {
        get
        {
            // Aspire's environment turns on colours even when redirected: compare without the escape sequences.
            var lines = _all.Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\u001b\\[[0-9;]*m", "")).ToArray();
            var keep = new SortedSet<int>();
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].StartsWith("fail:", StringComparison.Ordinal) || lines[i].StartsWith("crit:", StringComparison.Ordinal))
                {
                    for (var j = i; j < Math.Min(lines.Length, i + 11); j++)
                    {
                        keep.Add(j);
                    }
                }
            }

            return string.Join('\n', keep.Select(i => lines[i]));
        }
    }

    public static async Task<ApiProcess> StartAsync(ClusterFixture cluster, string name, IReadOnlyDictionary<string, string> settings)
    {
        var resource = cluster.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .OfType<ProjectResource>().Single(r => r.Name == "api");
#pragma warning disable CS0618 // the values as the Api is started with them; Aspire's newer API needs an execution context
        Dictionary<string, string> environment = await resource.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Run).AsTask().WaitAsync(Wait.Resource);
#pragma warning restore CS0618
        var port = FreePorts.Pick();
        var start = new ProcessStartInfo("dotnet", [ApiAssembly()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ApiAssembly())!,
        };
        foreach (var (key, value) in environment.Where(e => !e.Key.Contains("PORTS", StringComparison.Ordinal) && e.Key != "ASPNETCORE_URLS"))
        {
            start.Environment[key] = value;
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["OTEL_SERVICE_NAME"] = $"api-{name}";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var api = new ApiProcess(name, process, new Uri($"http://127.0.0.1:{port}"), cluster.ApiKey);
        process.OutputDataReceived += (_, e) => api.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => api.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await api.UntilHealthyAsync();
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }

        return api;
    }

    public HttpClient Client()
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = Wait.Request };
        client.DefaultRequestHeaders.Add(SecurityHeaders.ApiKey, _apiKey);
        return client;
    }

    // SIGTERM: the host stops taking requests, finishes those in flight, withdraws its announcement, exits.
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        Signals.Send(_process.Id, "TERM");
        await _process.WaitForExitAsync().WaitAsync(Wait.Resource);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(Wait.Resource);
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        if (_all.Count < 200_000)
        {
            _all.Enqueue(line);
        }

        while (_log.Count > 200 && _log.TryDequeue(out _))
        {
        }
    }

    private async Task UntilHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await Wait.UntilAsync(async () =>
            {
                if (_process.HasExited)
                {
                    Assert.Fail($"api-{Name} exited ({_process.ExitCode}):\n{LogTail}");
                }

                try
                {
                    return (await client.GetAsync("/health")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    return false;
                }
            }, Wait.Resource, $"api-{Name} healthy on {Address}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{LogTail}", e);
        }
    }

    // The Api's build output, of the configuration these tests were built in (the AppHost builds it).
    private static string ApiAssembly()
    {
        var segments = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar);
        var configuration = segments[Array.LastIndexOf(segments, "bin") + 1];
        var project = Path.GetDirectoryName(new Projects.ClusterGroups_Api().ProjectPath)!;
        var assembly = Path.Combine(project, "bin", configuration, "net10.0", "ClusterGroups.Api.dll");
        return File.Exists(assembly) ? assembly : throw new FileNotFoundException($"ClusterGroups.Api is not built: {assembly}");
    }
}
