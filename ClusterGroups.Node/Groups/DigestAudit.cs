using Microsoft.Extensions.Options;

namespace ClusterGroups.Node.Groups;

// Checks once the node has started, then every AuditInterval, that the digest covers the groups hash, and says so in
// the log with what to do (POST /admin/digest/rebuild). A report for the log only: it never stops the node. A store
// that cannot be asked yet (still starting, or failing) is asked again every few seconds until it answers.
public sealed partial class DigestAudit(
    GroupStore store, IOptions<DigestAuditOptions> options, IOptions<NodeOptions> node, IHostApplicationLifetime lifetime,
    TimeProvider time, ILogger<DigestAudit> logger)
    : BackgroundService
{
    private static readonly TimeSpan StoreRetry = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not during start: the first store call of a process must not hold up (or, failing, stop) the node's start.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        while (!await CheckAsync(stoppingToken))
        {
            await Task.Delay(StoreRetry, time, stoppingToken);
        }

        if (options.Value.AuditInterval == TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.AuditInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await CheckAsync(stoppingToken);
        }
    }

    // False if the store could not be asked.
    private async Task<bool> CheckAsync(CancellationToken stoppingToken)
    {
        DigestState state;
        try
        {
            state = await store.DigestAsync();
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogStoreUnavailable(node.Value.Name, e.Message);
            return false;
        }

        if (state.Rebuilding)
        {
            LogRebuilding(node.Value.Name);
        }
        else if (!state.Trusted)
        {
            LogStale(node.Value.Name, state.Groups, state.Total);
        }

        return true;
    }

    [LoggerMessage(LogLevel.Warning, "{Node}: the digest counts {Total} groups but the store holds {Groups} (groups written without the node: a restore, a migration, data from before digests). GET /v1/digest answers 409 and the Api lists this node instead; POST /admin/digest/rebuild recomputes it")]
    private partial void LogStale(string node, long groups, long total);

    [LoggerMessage(LogLevel.Warning, "{Node}: a digest rebuild is marked as under way; if none runs (the node stopped mid-way), POST /admin/digest/rebuild")]
    private partial void LogRebuilding(string node);

    [LoggerMessage(LogLevel.Information, "{Node}: digest audit could not ask the store ({Reason}); trying again")]
    private partial void LogStoreUnavailable(string node, string reason);
}
