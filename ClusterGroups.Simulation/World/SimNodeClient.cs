using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Contracts;
using ClusterGroups.Simulation.Runtime;

namespace ClusterGroups.Simulation.World;

// INodeClient for one Api replica of the simulation: each call goes over the simulated network to the simulated node,
// with the same attempt timeout the HTTP client would use (NodeLatency's adaptive one for writes and reads of one
// group, ListTimeout for lists and digests), recorded in NodeLatency as NodeClient does. No answer in time is a
// timeout (unknown effect); a node that is down refuses the connection (nothing sent).
// The world's buggify hooks: a node may crash right after applying a write; the replica may pause after an undo.
// A batch (INodeBatchClient, used by the Api's BatchingNodeClient as over HTTP) is one request on the network: its
// items are written when it arrives as the node's batch route writes them (SimNode.Batch: one store script, in the
// items' order), and it is lost, late, duplicated or unanswered as a whole.
public sealed class SimNodeClient(
    SimActor actor, SimWorld world, SimReplica replica, NodeLatency latency, TimeProvider clock) : INodeClient, INodeBatchClient
{
    public Task<NodeCall> CreateAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct)
    {
        var sent = world.Scheduler.Now;
        return CallAsync(node, $"create {groupId} key={idempotencyKey} token={token}", n => n.Create(groupId, idempotencyKey, token, sent),
            write: true, about: (groupId, idempotencyKey));
    }

    public Task<NodeCall> DeleteAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct)
    {
        var sent = world.Scheduler.Now;
        return CallAsync(node, $"delete {groupId} key={idempotencyKey} token={token}", n => n.Delete(groupId, idempotencyKey, token, sent),
            write: true, about: (groupId, idempotencyKey));
    }

    public Task<NodeCall> AbortAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct) =>
        CallAsync(node, $"abort {groupId} key={idempotencyKey} token={token}", n => n.Abort(groupId, idempotencyKey, token), write: true);

    public Task<NodeCall> TakeOverAsync(ClusterNode node, string groupId, string applyKey, string undoKey, long token, CancellationToken ct) =>
        CallAsync(node, $"takeover {groupId} key={applyKey} token={token}", n => n.TakeOver(groupId, applyKey, undoKey, token), write: true);

    public async Task<(IReadOnlyList<NodeCall>? Items, NodeCall Call)> BatchAsync(
        ClusterNode node, IReadOnlyList<NodeBatchItem> items, CancellationToken ct)
    {
        var target = world.Nodes[node.Name];
        var started = clock.GetTimestamp();
        var sent = world.Scheduler.Now;
        TimeSpan? served = null;
        var what = items.Select(Describe).ToArray();
        var answer = await world.Network.CallAsync(actor, node.Name, $"batch [{string.Join("; ", what)}]", () => target.Down,
            () =>
            {
                served ??= world.Scheduler.Now;
                return new Batch(target.Batch(items, sent), new NodeCall("batch", 200, null, null, 0, KeysHonoured: !target.Seed));
            },
            () => new Batch(null, new NodeCall("batch", null, CallError.ConnectionRefused, "connection refused", 0)),
            latency.AttemptTimeout(node.Name),
            crashAfter: batch => batch.Items!.Any(c => c.Request is "create" or "delete" && c.Status is 200 or 201)
                && world.BuggifyCrashAfterApply(target));
        if (answer?.Items is { } answered && served is { } at)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i].Kind is NodeBatch.Create or NodeBatch.Delete && answered[i].Status is not null)
                {
                    Heard(target, items[i].GroupId, items[i].Key, sent, at);
                }
            }
        }

        if (answer?.Items is { } calls && what.Where((w, i) => w.Contains(":undo ", StringComparison.Ordinal)
                && calls[i].Status is 200 or 201 or 404 or 400).Any())
        {
            world.BuggifyUndo(replica);
        }

        var ms = clock.GetElapsedTime(started).TotalMilliseconds;
        return answer is null
            ? (null, new NodeCall("batch", null, CallError.Timeout, "no answer within the attempt timeout", ms))
            : (answer.Items?.Select(c => c with { DurationMs = ms }).ToArray(), answer.Call with { DurationMs = ms });
    }

    private sealed record Batch(NodeCall[]? Items, NodeCall Call);

    private static string Describe(NodeBatchItem item) => $"{item.Kind} {item.GroupId} key={item.Key} token={item.Token}";

    public Task<NodeCall> ReadAsync(ClusterNode node, string groupId, CancellationToken ct) =>
        CallAsync(node, $"read {groupId}", n => n.Read(groupId), write: true, about: (groupId, null));

    public async Task<(NodeInfo? Info, NodeCall Call)> InfoAsync(ClusterNode node, CancellationToken ct)
    {
        NodeInfo? info = null;
        var call = await CallAsync(node, "info", n =>
        {
            (info, var answer) = n.Info();
            return answer;
        }, write: true);
        return (call.Status is 200 ? info : null, call);
    }

    public Task<(NodeDigest? Digest, NodeCall Call)> DigestAsync(ClusterNode node, TimeSpan timeout, CancellationToken ct) =>
        ReadAsync(node, "digest", n => n.Digest(), timeout);

    public Task<(NodeBucket? Bucket, NodeCall Call)> BucketAsync(ClusterNode node, int bucket, TimeSpan timeout, CancellationToken ct) =>
        ReadAsync(node, $"bucket {bucket}", n => n.Bucket(bucket), timeout);

    public Task<(NodeGroupPage? Page, NodeCall Call)> PageAsync(ClusterNode node, string cursor, int limit, TimeSpan timeout, CancellationToken ct) =>
        ReadAsync(node, $"page {cursor}", n => n.Page(cursor, limit), timeout);

    public Task<(NodeGroupList? Groups, NodeCall Call)> ListAsync(ClusterNode node, TimeSpan timeout, CancellationToken ct) =>
        ReadAsync(node, "list", n => n.List(), timeout);

    private async Task<(T? Value, NodeCall Call)> ReadAsync<T>(ClusterNode node, string what, Func<SimNode, (T?, NodeCall)> serve, TimeSpan timeout)
        where T : class
    {
        T? value = null;
        var call = await CallAsync(node, what, n =>
        {
            (value, var answer) = serve(n);
            return answer;
        }, write: false, timeout);
        return (call.Status is 200 ? value : null, call);
    }

    // `about`: the group (and the write's key) of a call whose answer says what the node holds, recorded once received.
    private async Task<NodeCall> CallAsync(ClusterNode node, string what, Func<SimNode, NodeCall> serve, bool write, TimeSpan? timeout = null,
        (string GroupId, string? Key)? about = null)
    {
        var target = world.Nodes[node.Name];
        var started = clock.GetTimestamp();
        var sent = world.Scheduler.Now;
        TimeSpan? served = null;
        var limit = timeout ?? latency.AttemptTimeout(node.Name);
        var request = what.Split(' ')[0];
        var call = await world.Network.CallAsync(actor, node.Name, what, () => target.Down, () =>
            {
                // The answer is always the first copy's (a duplicate is served, never answered).
                served ??= world.Scheduler.Now;
                return serve(target);
            },
            () => new NodeCall(request, null, CallError.ConnectionRefused, "connection refused", 0), limit,
            crashAfter: answer => request is "create" or "delete" && answer.Status is 200 or 201 && world.BuggifyCrashAfterApply(target));
        if (about is { } group && call is { Status: not null } && served is { } at)
        {
            Heard(target, group.GroupId, group.Key, sent, at);
        }

        if (call is { Status: 200 or 201 or 404 or 400 } && what.Contains(":undo ", StringComparison.Ordinal))
        {
            world.BuggifyUndo(replica);
        }
        var ms = clock.GetElapsedTime(started).TotalMilliseconds;
        if (write && call is not { Error: CallError.ConnectionRefused })
        {
            latency.Record(node.Name, ms);
        }

        return (call ?? new NodeCall(request, null, CallError.Timeout, "no answer within the attempt timeout", 0)) with { DurationMs = ms };
    }

    private void Heard(SimNode node, string groupId, string? key, TimeSpan sent, TimeSpan served) =>
        node.Answers.Add(new NodeAnswer(groupId, key, sent, served, world.Scheduler.Now));
}
