using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterGroups.Web.Startup;

// docs/ARCHITECTURE.md, "Cold start". Runs every IWarmUp before the server listens (the host starts its hosted
// services in order, and ASP.NET Core adds the server's last), so the first callers of a restarted process find its
// connections open and its scripts loaded. A step that fails, or is not done within StartLimit, does not keep the
// process from starting (a node must come up while its store is down, and say so in /health): it is retried in the
// background, and the "warm-up" health check stays Unhealthy until every step has succeeded once.
public sealed partial class WarmUpService(IEnumerable<IWarmUp> steps, WarmUpState state, ILogger<WarmUpService> logger)
    : IHostedService, IDisposable
{
    // How long the start waits for the steps. Under a load average of 90 on 2 cores a node's warm-up took 0.25 s; what
    // takes longer is a store or node that is not there, and waiting for it would only keep /health unanswered.
    public static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private Task _steps = Task.CompletedTask;
    private volatile bool _disposed;

    public async Task StartAsync(CancellationToken ct)
    {
        var all = steps.ToList();
        all.ForEach(step => state.Starting(step.Name));
        _steps = Task.WhenAll(all.Select(step => RunUntilDoneAsync(step, _stopping.Token)));
        try
        {
            await _steps.WaitAsync(StartLimit, ct);
        }
        catch (TimeoutException)
        {
            LogStillWarming(logger, StartLimit.TotalSeconds, string.Join(", ", state.Pending));
        }
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_disposed)
        {
            // A test host disposes its services before it stops them: the steps were cancelled by the dispose.
            return;
        }

        await _stopping.CancelAsync();
        try
        {
            await _steps.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _stopping.Cancel();
            _stopping.Dispose();
        }
    }

    private async Task RunUntilDoneAsync(IWarmUp step, CancellationToken ct)
    {
        // Off the caller's thread: the host's start goes on to the next step at once.
        await Task.Yield();
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await step.RunAsync(ct);
                state.Done(step.Name);
                LogWarm(logger, step.Name, clock.Elapsed.TotalMilliseconds, attempt);
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                LogRetry(logger, step.Name, attempt, e.Message);
                await Task.Delay(RetryDelay, ct);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Warm-up {Step} done in {Ms:F0} ms ({Attempts} attempts)")]
    private static partial void LogWarm(ILogger logger, string step, double ms, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warm-up {Step} failed (attempt {Attempt}), retrying: {Error}")]
    private static partial void LogRetry(ILogger logger, string step, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not warm after {Seconds} s, taking requests anyway; still warming: {Pending}")]
    private static partial void LogStillWarming(ILogger logger, double seconds, string pending);
}
