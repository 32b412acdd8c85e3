using ClusterGroups.Api.Model;
using ClusterGroups.Contracts;
using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Runtime;
using ClusterGroups.Storage;

namespace ClusterGroups.Simulation.World;

// A node of the simulation: the node's real GroupStore, running the node's real Lua scripts (NodeScripts) in a
// simulated store, answering as ClusterGroups.Node's endpoints do (GroupEndpoints, DigestEndpoints: the same statuses,
// headers and bodies, as the Api's NodeClient reads them into a NodeCall). A seed-like node (the seed's Flask node)
// ignores keys and tokens and knows no abort. Every change it applies is logged, for the invariants.
// NodeConformanceTests hold these answers to a real node's.
public sealed class SimNode(string name, IRedisStore store, bool seed, SimScheduler scheduler)
{
    private readonly GroupStore _groups = new(store);

    public string Name { get; } = name;
    public bool Seed { get; } = seed;
    public bool Down { get; set; }

    // A planted bug (Plant.NodeIgnoresFence): writes and aborts are taken whatever their token.
    public bool IgnoresFence { get; init; }

    // A planted bug (Plant.NodeBatchFencesOnce): a batch request's writes and aborts after its first are taken whatever
    // their token, as if the batch's fencing had been checked once for all (each item must be checked on its own).
    public bool BatchFencesOnce { get; init; }
    public IRedisStore Store => store;

    // Every change applied (NodeChange).
    public List<NodeChange> Changes { get; } = [];

    // Every answer about one group that reached an Api replica (SimNodeClient records them).
    public List<NodeAnswer> Answers { get; } = [];

    // `sent`: when the request carrying the write left the replica (for the checks). `key` null: a write without a key
    // (a joining node's bulk copy, JoiningCopy).
    public NodeCall Create(string groupId, string? key, long token, TimeSpan sent) => Sync(CreateAsync(_groups, groupId, key, token, sent));

    private async Task<NodeCall> CreateAsync(GroupStore groups, string groupId, string? key, long token, TimeSpan sent, bool unfenced = false)
    {
        var outcome = await groups.CreateAsync(groupId, Seed ? null : key, Token(token, unfenced));
        Log(outcome, groupId, true, key, sent);
        return Refusal("create", outcome) ?? (outcome.Result is WriteResult.AlreadySo || outcome.First is WriteResult.AlreadySo
            ? Answer("create", 400, NodeMessages.Exists) with { Code = Seed ? null : NodeCodes.Exists }
            : Answer("create", 201) with { Replayed = outcome.Result is WriteResult.Replayed });
    }

    public NodeCall Delete(string groupId, string? key, long token, TimeSpan sent) => Sync(DeleteAsync(_groups, groupId, key, token, sent));

    private async Task<NodeCall> DeleteAsync(GroupStore groups, string groupId, string? key, long token, TimeSpan sent, bool unfenced = false)
    {
        var outcome = await groups.DeleteAsync(groupId, Seed ? null : key, Token(token, unfenced));
        Log(outcome, groupId, false, key, sent);
        return Refusal("delete", outcome) ?? (outcome.Result is WriteResult.AlreadySo || outcome.First is WriteResult.AlreadySo
            ? Answer("delete", 404, NodeMessages.NotFound)
            : Answer("delete", 200) with { Replayed = outcome.Result is WriteResult.Replayed });
    }

    public NodeCall Abort(string groupId, string key, long token) => Sync(AbortAsync(_groups, groupId, key, token));

    private async Task<NodeCall> AbortAsync(GroupStore groups, string groupId, string key, long token, bool unfenced = false)
    {
        if (Seed)
        {
            return Answer("abort", 404, "Not Found");
        }

        var (outcome, _) = await groups.AbortAsync(groupId, key, Token(token, unfenced));
        return outcome.Result is WriteResult.Fenced
            ? Answer("abort", 409, NodeMessages.Fenced) with { Fenced = true }
            : Answer("abort", 200) with
            {
                AbortOutcome = outcome.Result switch
                {
                    WriteResult.Applied => AbortAnswer.Applied,
                    WriteResult.AlreadySo => AbortAnswer.AlreadySo,
                    _ => AbortAnswer.Aborted,
                },
            };
    }

    public NodeCall TakeOver(string groupId, string applyKey, string undoKey, long token) =>
        Sync(TakeOverAsync(_groups, groupId, applyKey, undoKey, token));

    private async Task<NodeCall> TakeOverAsync(GroupStore groups, string groupId, string applyKey, string undoKey, long token)
    {
        if (Seed)
        {
            return Answer("takeover", 404, "Not Found");
        }

        var (state, seen) = await groups.TakeOverAsync(groupId, applyKey, undoKey, Token(token) ?? 1);
        return state is null
            ? Answer("takeover", 409, NodeMessages.Fenced) with { Fenced = true }
            : Answer("takeover", 200) with
            {
                Present = state.Present, WrittenBy = state.WrittenBy, ApplyRecord = state.Apply, UndoRecord = state.Undo,
            };
    }

    // Batch requests of more than one item this node wrote (each one store script), and their items.
    public int Batches { get; private set; }
    public int BatchedItems { get; private set; }

    // A batch request's items as the node's batch route writes them (GroupBatch): the items' scripts in one store script
    // (StoreBatch), in the items' order, each answered as its single route. `sent` as for Create.
    public NodeCall[] Batch(IReadOnlyList<NodeBatchItem> items, TimeSpan sent)
    {
        if (items.Count == 1)
        {
            return [Sync(ServeAsync(_groups, items[0], sent))];
        }

        var batch = _groups.Batch(items.Count);
        Batches++;
        BatchedItems += items.Count;
        var answers = items.Select((item, i) => ServeAsync(batch, i, item, sent, unfenced: BatchFencesOnce && i > 0)).ToList();
        return [.. answers.Select(Sync)];
    }

    private async Task<NodeCall> ServeAsync(StoreBatch batch, int index, NodeBatchItem item, TimeSpan sent, bool unfenced)
    {
        try
        {
            return await ServeAsync(batch.For(index), item, sent, unfenced);
        }
        finally
        {
            batch.Finished(index);
        }
    }

    private Task<NodeCall> ServeAsync(GroupStore groups, NodeBatchItem item, TimeSpan sent, bool unfenced = false) => item.Kind switch
    {
        NodeBatch.Create => CreateAsync(groups, item.GroupId, item.Key, item.Token!.Value, sent, unfenced),
        NodeBatch.Delete => DeleteAsync(groups, item.GroupId, item.Key, item.Token!.Value, sent, unfenced),
        NodeBatch.Abort => AbortAsync(groups, item.GroupId, item.Key!, item.Token!.Value, unfenced),
        _ => TakeOverAsync(groups, item.GroupId, item.Key!, item.UndoKey!, item.Token!.Value),
    };

    public NodeCall Read(string groupId)
    {
        var (present, createdBy, deletedBy) = Sync(_groups.ReadAsync(groupId));
        var writtenBy = Seed ? null : present ? createdBy : deletedBy;
        return (present ? Answer("read", 200) : Answer("read", 404, NodeMessages.NotFound)) with { Present = present, WrittenBy = writtenBy };
    }

    public (NodeInfo? Info, NodeCall Call) Info() =>
        (new NodeInfo(Seed ? "seed" : "ClusterGroups.Node", "sim", Name), Answer("info", 200));

    public (NodeDigest? Digest, NodeCall Call) Digest()
    {
        if (Seed)
        {
            return (null, Answer("digest", 404, "Not Found"));
        }

        // As the node's GET /v1/digest: a digest that does not cover the groups is not served (409).
        var state = Sync(_groups.DigestAsync());
        return state.Trusted
            ? (new NodeDigest(Name, GroupBuckets.Count, state.Total, state.Counts, state.Hashes), Answer("digest", 200))
            : (null, Answer("digest", 409, "Digest stale"));
    }

    public (NodeBucket? Bucket, NodeCall Call) Bucket(int bucket) =>
        (new NodeBucket(Name, bucket, Sync(_groups.BucketAsync(bucket))), Answer("bucket", 200));

    public (NodeGroupPage? Page, NodeCall Call) Page(string cursor, int limit)
    {
        var (ids, next) = Seed ? (Sync(_groups.ListAsync()), null) : Sync(_groups.PageAsync(cursor, limit));
        return (new NodeGroupPage(Name, [.. ids.Select(id => new NodeGroup(id, Name))], next), Answer("list", 200));
    }

    public (NodeGroupList? Groups, NodeCall Call) List() =>
        (new NodeGroupList(Name, [.. Sync(_groups.ListAsync()).Select(id => new NodeGroup(id, Name))]), Answer("list", 200));

    // Whether the group is here now, and the key of the write that made it so (what the invariants read).
    public (bool Present, string? WrittenBy) State(string groupId)
    {
        var (present, createdBy, deletedBy) = Sync(_groups.ReadAsync(groupId));
        return (present, present ? createdBy : deletedBy);
    }

    private long? Token(long token, bool unfenced = false) => Seed || IgnoresFence || unfenced ? null : token;

    // What every answer of ours carries (X-Idempotency-Supported): not the seed's.
    private NodeCall Answer(string request, int status, string? detail = null) =>
        new(request, status, null, detail, 0, KeysHonoured: !Seed);

    private static NodeCall? Refusal(string request, WriteOutcome outcome) => outcome.Result switch
    {
        WriteResult.Fenced => new NodeCall(request, 409, null, NodeMessages.Fenced, 0, Fenced: true, KeysHonoured: true, SeenToken: outcome.SeenToken),
        WriteResult.Aborted => new NodeCall(request, 409, null, NodeMessages.Aborted, 0, WriteAborted: true, KeysHonoured: true),
        _ => null,
    };

    // A write without a key (JoiningCopy) is logged as the node records it: "~".
    private void Log(WriteOutcome outcome, string groupId, bool present, string? key, TimeSpan sent)
    {
        if (outcome.Result is WriteResult.Applied)
        {
            Changes.Add(new NodeChange(scheduler.Now, groupId, present, key ?? "~", sent));
        }
    }

    // The simulated store answers at once: nothing here ever waits.
    private static T Sync<T>(Task<T> task) =>
        task.IsCompleted ? task.GetAwaiter().GetResult() : throw new InvalidOperationException("The simulated store did not answer at once.");
}
