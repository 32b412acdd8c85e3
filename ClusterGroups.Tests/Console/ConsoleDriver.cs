using System.Diagnostics;
using ClusterGroups.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Console;

// The node process of a console test: one line per step each way; its stderr goes to the test output; killed if left
// running.
internal sealed class ConsoleDriver(Process process, ITestOutputHelper output) : IDisposable
{
    private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();

    public async Task<string> ReadAsync(CancellationToken ct)
    {
        var line = await process.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(Wait.Resource, ct);
        if (line is null)
        {
            await process.WaitForExitAsync(ct).WaitAsync(Wait.Resource, ct);
            Assert.Fail($"the browser script ended (exit {process.ExitCode}): {await _stderr}");
        }

        output.WriteLine($"browser: {line}");
        return line;
    }

    // The next line, which must start with `step` and a space: the JSON after it.
    public async Task<System.Text.Json.Nodes.JsonNode> ReadStepAsync(string step, CancellationToken ct)
    {
        var line = await ReadAsync(ct);
        Assert.StartsWith($"{step} ", line);
        return System.Text.Json.Nodes.JsonNode.Parse(line[(step.Length + 1)..])!;
    }

    public async Task WriteAsync(string line)
    {
        await process.StandardInput.WriteLineAsync(line).WaitAsync(Wait.Request);
        await process.StandardInput.FlushAsync().WaitAsync(Wait.Request);
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit(TimeSpan.FromSeconds(10));
        process.Dispose();
    }
}
