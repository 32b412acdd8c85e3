using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ClusterGroups.Api.Model;
using ClusterGroups.Contracts;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Nodes;

// The node contract with natural batching of writes toward each of our nodes (Cluster:Batching): creates, deletes,
// aborts and takeovers of a node whose dialect is "keyed" go through that node's NodeWriteQueue, which sends them as
// single calls when the node is idle and as batch requests (POST /v1/groups/batch) while one is in flight. Reads,
// probes, digests and every call to a seed-like node (or one whose dialect is not known yet) go straight through.
// Each caller gets its own write's NodeCall, read from its item's answer as a single call's answer is; so the
// protocol (FanOut) neither knows nor cares whether a write went alone or in a batch.
public sealed class BatchingNodeClient : INodeClient, IDisposable
{
    // ClusterNode.Dialect of our nodes (KeyedDialect.Id; the protocol's namespace sits above this one).
    public const string KeyedDialect = "keyed";
    public const string MeterName = "ClusterGroups.Nodes";

    private readonly INodeClient _inner;
    private readonly INodeBatchClient _batches;
    private readonly NodeLatency _latency;
    private readonly TimeProvider _time;
    private readonly IOptions<ClusterOptions> _options;
    private readonly ConcurrentDictionary<string, NodeWriteQueue> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly Meter _meter;
    private readonly Histogram<int> _writesPerRequest;

    public BatchingNodeClient(
        INodeClient inner, INodeBatchClient batches, NodeLatency latency, TimeProvider time, IOptions<ClusterOptions> options,
        IMeterFactory meters)
    {
        (_inner, _batches, _latency, _time, _options) = (inner, batches, latency, time, options);
        _meter = meters.Create(MeterName);
        _writesPerRequest = _meter.CreateHistogram<int>("clustergroups.node.write.batch.size", "{write}",
            "Writes per request to a keyed node (1: a single call)");
    }

    public Task<NodeCall> CreateAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct) =>
        WriteAsync(node, new NodeBatchItem(NodeBatch.Create, groupId, idempotencyKey, token),
            () => _inner.CreateAsync(node, groupId, idempotencyKey, token, ct), ct);

    public Task<NodeCall> DeleteAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct) =>
        WriteAsync(node, new NodeBatchItem(NodeBatch.Delete, groupId, idempotencyKey, token),
            () => _inner.DeleteAsync(node, groupId, idempotencyKey, token, ct), ct);

    public Task<NodeCall> AbortAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct) =>
        WriteAsync(node, new NodeBatchItem(NodeBatch.Abort, groupId, idempotencyKey, token),
            () => _inner.AbortAsync(node, groupId, idempotencyKey, token, ct), ct);

    public Task<NodeCall> TakeOverAsync(ClusterNode node, string groupId, string applyKey, string undoKey, long token, CancellationToken ct) =>
        WriteAsync(node, new NodeBatchItem(NodeBatch.TakeOver, groupId, applyKey, token, undoKey),
            () => _inner.TakeOverAsync(node, groupId, applyKey, undoKey, token, ct), ct);

    public Task<NodeCall> ReadAsync(ClusterNode node, string groupId, CancellationToken ct) => _inner.ReadAsync(node, groupId, ct);

    public Task<(NodeInfo? Info, NodeCall Call)> InfoAsync(ClusterNode node, CancellationToken ct) => _inner.InfoAsync(node, ct);

    public Task<(NodeDigest? Digest, NodeCall Call)> DigestAsync(ClusterNode node, TimeSpan timeout, CancellationToken ct) =>
        _inner.DigestAsync(node, timeout, ct);

    public Task<(NodeBucket? Bucket, NodeCall Call)> BucketAsync(ClusterNode node, int bucket, TimeSpan timeout, CancellationToken ct) =>
        _inner.BucketAsync(node, bucket, timeout, ct);

    public Task<(NodeGroupPage? Page, NodeCall Call)> PageAsync(ClusterNode node, string cursor, int limit, TimeSpan timeout, CancellationToken ct) =>
        _inner.PageAsync(node, cursor, limit, timeout, ct);

    public Task<(NodeGroupList? Groups, NodeCall Call)> ListAsync(ClusterNode node, TimeSpan timeout, CancellationToken ct) =>
        _inner.ListAsync(node, timeout, ct);

    private Task<NodeCall> WriteAsync(ClusterNode node, NodeBatchItem item, Func<Task<NodeCall>> single, CancellationToken ct)
    {
        var batching = _options.Value.Batching;
        if (!batching.Enabled || node.Dialect != KeyedDialect)
        {
            return single();
        }

        var queue = _queues.GetOrAdd(node.Name, _ => new NodeWriteQueue(
            node, _batches, _latency, _time, batching.MaxItems, size => _writesPerRequest.Record(size, new KeyValuePair<string, object?>("node", node.Name))));
        return queue.SendAsync(item, single, ct);
    }

    public void Dispose() => _meter.Dispose();
}
