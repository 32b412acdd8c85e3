using ClusterGroups.Web.Security;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Security;

// Says which cluster key (by fingerprint) the Api sends, at start and whenever a reloaded SecretsFile changes it: the
// step of a rotation an operator waits for before withdrawing the old key from the nodes.
public sealed class ClusterKeyLog(IOptionsMonitor<ClusterKeyOptions> keys, ILogger<ClusterKeyLog> logger) : IHostedService
{
    private IDisposable? _subscription;
    private string? _logged;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Log(keys.CurrentValue);
        _subscription = keys.OnChange(Log);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private void Log(ClusterKeyOptions options)
    {
        var fingerprint = options.Primary is { Length: > 0 } key ? KeyFingerprint.Of(key) : "none";
        if (Interlocked.Exchange(ref _logged, fingerprint) != fingerprint)
        {
            logger.LogInformation("Sending cluster key {Fingerprint} to the nodes", fingerprint);
        }
    }
}
