using System.Collections.Concurrent;
using ClusterGroups.Api.Cluster;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Contracts;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Maintenance;

// The bulk part of a joining node's backfill: where every active node agrees on a group and only joining nodes differ,
// the joining nodes are made to hold what the active nodes hold, by batches of plain writes (POST /v1/groups/batch,
// no Idempotency-Key) that carry the fencing token 1, below every operation's token (FencingTokens: the clock in
// microseconds). A joining node is never read as truth, so the only thing these writes must never do is change it
// after the promotion check found it equal to the active nodes; the argument is in docs/ARCHITECTURE.md
// ("Membership", "Bulk backfill"). In short: once any operation's write (or abort) of a group reaches the node, the
// node's fence refuses these writes for that group; until then the active nodes can only differ from what was read
// through operations that rolled back (and left them as read), because the groups touched by an operation open around
// the read, or closed other than committed during it, are left out. Whatever is left out, fenced or failed here is
// left to the reconciler's journaled repairs and to the next round.
public sealed partial class JoiningCopy(
    ClusterMembership membership, ClusterDigests digests, INodeClient nodes, INodeBatchClient batches, ICoordinator coordinator,
    IOptions<ClusterOptions> options, ILogger<JoiningCopy> logger)
{
    // Below every operation's token (a clock reading in microseconds since 1970, or the group's floor + 1).
    public const long Token = 1;

    // Buckets read per window: the coordinator is asked what was open before and after each slice of reads.
    private const int SliceBuckets = 64;
    private const int ParallelBuckets = 8;
    private const int ParallelBatches = 4;

    // How many recent rolled-back (and abandoned) operations a window reads; more closing inside one slice than this
    // and the slice is left for the next round.
    private const int Recent = 50;

    public async Task<JoiningCopyResult> RunAsync(Membership current, CancellationToken ct)
    {
        var active = current.Truth;
        var joining = current.Members.Where(m => m.Role == MemberRole.Joining).Select(m => m.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (active.Count == 0 || joining.Count == 0)
        {
            return JoiningCopyResult.Nothing;
        }

        var scan = await digests.ScanAsync(membership.Nodes(current.Writes), ct);
        if (scan.Unreachable.Count > 0)
        {
            return JoiningCopyResult.Nothing with { Stopped = $"unreachable: {string.Join(", ", scan.Unreachable)}" };
        }

        var differing = scan.DifferingBuckets();
        // Only nodes that keep fences (ours, which honour keys: a seed-like node has neither tokens nor the batch route):
        // the dialect configured (Cluster:Dialects) or learned, else a probe as NodeDialects makes one.
        var targets = new List<ClusterNode>();
        foreach (var node in scan.Nodes.Where(n => joining.Contains(n.Node.Name)).Select(n => n.Node))
        {
            var dialect = options.Value.Dialects.GetValueOrDefault(node.Name) ?? node.Dialect;
            if (dialect is null)
            {
                var (_, probe) = await nodes.InfoAsync(node, ct);
                dialect = probe.Status == 200 && probe.KeysHonoured ? BatchingNodeClient.KeyedDialect : null;
            }

            if (dialect == BatchingNodeClient.KeyedDialect)
            {
                targets.Add(node);
            }
        }

        if (targets.Count == 0)
        {
            return JoiningCopyResult.Nothing with { Stopped = "no joining node keeps fencing tokens" };
        }

        var tally = new Tally();
        foreach (var slice in differing.Chunk(SliceBuckets))
        {
            // A membership change stops the copy: the nodes it writes must still be joining at this epoch.
            if ((await membership.RefreshAsync(ct)).Epoch != current.Epoch)
            {
                return tally.Result("the membership changed");
            }

            var before = await WindowAsync(ct);
            var perBucket = new ConcurrentBag<IReadOnlyList<(ClusterNode Node, IReadOnlyList<string>? Ids)>>();
            await Concurrently.ForEachAsync(slice, ParallelBuckets, async bucket => perBucket.Add(await digests.BucketAsync(scan, bucket, ct)));
            var after = await WindowAsync(ct);
            if (Excluded(before, after) is not { } excluded)
            {
                tally.SlicesLeft++;
                continue;
            }

            var writes = targets.ToDictionary(n => n.Name, _ => new List<NodeBatchItem>(), StringComparer.OrdinalIgnoreCase);
            foreach (var read in perBucket)
            {
                Plan(read, active, targets.Select(t => t.Name).ToHashSet(StringComparer.OrdinalIgnoreCase), excluded, writes, tally);
            }

            await Task.WhenAll(targets.Select(node => SendAsync(node, writes[node.Name], tally, ct)));
        }

        var result = tally.Result(null);
        if (result.Copied + result.Fenced + result.Failed > 0 || result.SlicesLeft > 0)
        {
            LogCopied(string.Join(", ", joining), result.Copied, result.AlreadySo, result.Fenced, result.Failed, result.Left, result.SlicesLeft);
        }

        return result;
    }

    // Per group of the bucket: if every active node has it, the joining nodes that lack it get a create; if none has
    // it, the joining nodes that have it get a delete; if the active nodes differ, it is the reconciler's. `joining`: the
    // joining nodes written here (those that keep fences).
    private static void Plan(
        IReadOnlyList<(ClusterNode Node, IReadOnlyList<string>? Ids)> nodes, IReadOnlyList<string> active, HashSet<string> joining,
        HashSet<string> excluded, Dictionary<string, List<NodeBatchItem>> writes, Tally tally)
    {
        if (nodes.Any(n => n.Ids is null) || nodes.Count(n => active.Contains(n.Node.Name, StringComparer.OrdinalIgnoreCase)) != active.Count)
        {
            tally.Left += 1;
            return;
        }

        var sets = nodes.ToDictionary(n => n.Node.Name, n => n.Ids!.ToHashSet(StringComparer.Ordinal), StringComparer.OrdinalIgnoreCase);
        foreach (var id in sets.Values.SelectMany(s => s).Distinct(StringComparer.Ordinal))
        {
            var on = active.Count(a => sets[a].Contains(id));
            if ((on != 0 && on != active.Count) || excluded.Contains(id))
            {
                tally.Left++;
                continue;
            }

            var present = on == active.Count;
            foreach (var node in joining.Where(j => sets.ContainsKey(j) && sets[j].Contains(id) != present))
            {
                writes[node].Add(new NodeBatchItem(present ? NodeBatch.Create : NodeBatch.Delete, id, null, Token));
            }
        }
    }

    private async Task SendAsync(ClusterNode node, List<NodeBatchItem> items, Tally tally, CancellationToken ct) =>
        await Concurrently.ForEachAsync(items.Chunk(NodeBatch.MaxItems).ToList(), ParallelBatches, async chunk =>
        {
            var (answers, call) = await batches.BatchAsync(node, chunk, ct);
            if (answers is null)
            {
                Interlocked.Add(ref tally.Failed, chunk.Length);
                return;
            }

            foreach (var answer in answers)
            {
                _ = answer switch
                {
                    { Fenced: true } => Interlocked.Increment(ref tally.Fenced),
                    { Status: 200 or 201 } => Interlocked.Increment(ref tally.Copied),
                    { Status: 400, Code: NodeCodes.Exists } or { Status: 404 } => Interlocked.Increment(ref tally.AlreadySo),
                    _ => Interlocked.Increment(ref tally.Failed),
                };
            }
        });

    // What the coordinator says around one slice of reads: the operations open, and the newest rolled back and abandoned.
    private async Task<Window> WindowAsync(CancellationToken ct)
    {
        var open = await coordinator.ListOpenAsync(ct);
        var rolledBack = await coordinator.SearchAsync(new OperationQuery(null, false, Outcome.RolledBack, null, Recent, null), ct);
        var abandoned = await coordinator.SearchAsync(new OperationQuery(null, false, Outcome.Abandoned, null, Recent, null), ct);
        return new Window(open, rolledBack.Operations, abandoned.Operations);
    }

    // The groups an operation may have changed on the active nodes without its write reaching a joining node: those of
    // every operation open before or after the reads, and of every one that rolled back or was abandoned between them.
    // Null when more closed so than a window sees (the slice is left for the next round).
    internal static HashSet<string>? Excluded(Window before, Window after)
    {
        var excluded = before.Open.Concat(after.Open).Select(op => op.GroupId).ToHashSet(StringComparer.Ordinal);
        foreach (var (was, now) in new[] { (before.RolledBack, after.RolledBack), (before.Abandoned, after.Abandoned) })
        {
            var known = was.Select(op => op.Id).ToHashSet(StringComparer.Ordinal);
            if (now.Count >= Recent && !now.Any(op => known.Contains(op.Id)))
            {
                return null;
            }

            excluded.UnionWith(now.Where(op => !known.Contains(op.Id)).Select(op => op.GroupId));
        }

        return excluded;
    }

    internal sealed record Window(
        IReadOnlyList<OperationState> Open, IReadOnlyList<OperationState> RolledBack, IReadOnlyList<OperationState> Abandoned);

    private sealed class Tally
    {
        public int Copied;
        public int AlreadySo;
        public int Fenced;
        public int Failed;
        public int Left;
        public int SlicesLeft;

        public JoiningCopyResult Result(string? stopped) => new(Copied, AlreadySo, Fenced, Failed, Left, SlicesLeft, stopped);
    }

    [LoggerMessage(LogLevel.Information,
        "Backfill: copied {Copied} group write(s) to {Nodes} in bulk ({AlreadySo} already so, {Fenced} fenced, {Failed} failed, {Left} left to the reconciler, {SlicesLeft} bucket slice(s) for the next round)")]
    private partial void LogCopied(string nodes, int copied, int alreadySo, int fenced, int failed, int left, int slicesLeft);
}
