using System.Diagnostics;
using ClusterGroups.Contracts;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Node.Groups;

// Recomputes the bucket sets and the digest from the groups hash while writes go on (docs/ARCHITECTURE.md, "Node HTTP
// contract", digest rebuild), for a store filled without the node. Marks the digest untrusted first, then
// 1. walks the groups hash by HSCAN, 500 ids per script, putting each id still there into its bucket set;
// 2. per bucket, drops the set's ids that are no groups (or of another bucket) and sets the bucket's digest to the
//    sums of what is left, in one script that checks those are the whole set (else the set is read again);
// and clears the mark. Every script is short, so writes wait at most one batch. One rebuild at a time per node: a
// second request waits for the running one. It runs on the node's lifetime, not the request's: a caller who hangs up
// does not leave it half done (and if the node dies mid-way, the mark stays and the digest stays untrusted).
public sealed partial class DigestRebuild(
    GroupStore store, IOptions<NodeOptions> node, IHostApplicationLifetime lifetime, ILogger<DigestRebuild> logger)
{
    public const int Batch = 500;

    // A bucket whose set keeps gaining members between its read and its script (a hot bucket under a write storm).
    private const int MaxRereads = 20;

    private readonly Lock _gate = new();
    private Task<DigestRebuildResult>? _running;

    public Task<DigestRebuildResult> RunAsync()
    {
        lock (_gate)
        {
            if (_running is null || _running.IsCompleted)
            {
                _running = Task.Run(() => RebuildAsync(lifetime.ApplicationStopping));
            }

            return _running;
        }
    }

    private async Task<DigestRebuildResult> RebuildAsync(CancellationToken ct)
    {
        var id = Guid.NewGuid().ToString("N");
        var started = Stopwatch.GetTimestamp();
        LogStarted(node.Value.Name);
        await store.BeginRebuildAsync(id);

        var added = 0;
        string? cursor = "0";
        while (cursor is not null)
        {
            ct.ThrowIfCancellationRequested();
            (var n, cursor) = await store.RebuildAddAsync(cursor, Batch);
            added += n;
        }

        var removed = 0;
        var rereads = 0;
        for (var bucket = 0; bucket < GroupBuckets.Count; bucket++)
        {
            for (var read = 1; ; read++)
            {
                ct.ThrowIfCancellationRequested();
                var (n, done) = await store.RebuildBucketAsync(bucket);
                removed += n;
                if (done)
                {
                    break;
                }

                rereads++;
                if (read == MaxRereads)
                {
                    throw new InvalidOperationException(
                        $"Bucket {bucket} gained members {MaxRereads} times between its read and its script; the digest stays untrusted. Send the rebuild again.");
                }
            }
        }

        await store.EndRebuildAsync(id);
        var state = await store.DigestAsync();
        var result = new DigestRebuildResult(node.Value.Name, state.Groups, state.Total, state.Trusted, added, removed, rereads,
            Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1));
        LogDone(result.NodeId, result.Groups, result.Added, result.Removed, result.Trusted, result.DurationMs);
        return result;
    }

    [LoggerMessage(LogLevel.Warning, "{Node}: digest rebuild started; the digest is untrusted until it ends")]
    private partial void LogStarted(string node);

    [LoggerMessage(LogLevel.Warning, "{Node}: digest rebuilt over {Groups} groups ({Added} added to their buckets, {Removed} removed); trusted: {Trusted}; {DurationMs} ms")]
    private partial void LogDone(string node, long groups, int added, int removed, bool trusted, double durationMs);
}
