using System.Diagnostics;

namespace ClusterGroups.Bench.Scenarios;

// One of the seed's Flask nodes (python app.py), killed when disposed, and on the bench's own exit if it gets there
// first (Ctrl+C, SIGTERM): a node listens on every address, and must not outlive the run.
public sealed class SeedNode : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();
    private readonly EventHandler _onExit;

    // Werkzeug says "Running on http://127.0.0.1:<port>" once the node listens: the start waits for that line.
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SeedNode(Process process, Uri url)
    {
        _process = process;
        Url = url;
        _onExit = (_, _) => ChildProcess.Kill(_process);
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    public Uri Url { get; }

    public static SeedNode Start(string python, string appDirectory, Uri url, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(python) { WorkingDirectory = appDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("app.py");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var node = new SeedNode(Process.Start(info) ?? throw new InvalidOperationException($"{python} app.py did not start."), url);
        // Flask logs every request: both pipes are drained so a full one never stalls the node, and the last lines
        // kept for the message if it dies.
        node._process.OutputDataReceived += (_, e) => node.Keep(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.Keep(e.Data);
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        return node;
    }

    public async Task UntilUpAsync(HttpClient http, TimeSpan limit, CancellationToken ct)
    {
        var exited = _process.WaitForExitAsync(ct);
        try
        {
            if (await Task.WhenAny(_listening.Task, exited).WaitAsync(limit, ct) == exited)
            {
                throw new InvalidOperationException($"The seed's node at {Url} exited ({_process.ExitCode}) while starting: {LastLines()}");
            }
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The seed's node at {Url} did not say it listens within {limit.TotalSeconds:F0} s: {LastLines()}");
        }

        using var response = await http.GetAsync(Url, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The seed's node at {Url} answered its home page {(int)response.StatusCode}: {LastLines()}");
        }
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        ChildProcess.Kill(_process);
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.Contains($"Running on {Url.ToString().TrimEnd('/')}", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 10)
            {
                _lastLines.Dequeue();
            }
        }
    }

    private string LastLines()
    {
        lock (_lastLines)
        {
            return string.Join(" | ", _lastLines);
        }
    }
}
