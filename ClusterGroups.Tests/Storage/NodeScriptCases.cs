using ClusterGroups.Node.Groups;
using StackExchange.Redis;
using static ClusterGroups.Tests.Storage.Steps;

namespace ClusterGroups.Tests.Storage;

// Every node script (NodeScripts), driven by the node's real store code (GroupStore), and every read it makes.
public static class NodeScriptCases
{
    private static readonly string[] Thousand = [.. Enumerable.Range(0, 1_200).Select(i => $"bulk-{i}")];

    public static IEnumerable<StoreCase> All => Cases.Select(c => c with { DeclaredKeysOnly = true });

    private static IEnumerable<StoreCase> Cases =>
    [
        new("node: create, replay, exists, delete",
            Groups("create g1 k1", g => Box(g.CreateAsync("g1", "k1"))), Groups("create g1 k1 again", g => Box(g.CreateAsync("g1", "k1"))),
            Groups("create g1 k2", g => Box(g.CreateAsync("g1", "k2"))), Groups("create g1 no key", g => Box(g.CreateAsync("g1", null))),
            Groups("read g1", g => Box(g.ReadAsync("g1"))), Groups("delete g1 d1", g => Box(g.DeleteAsync("g1", "d1"))),
            Groups("delete g1 d1 again", g => Box(g.DeleteAsync("g1", "d1"))), Groups("delete g1 d2", g => Box(g.DeleteAsync("g1", "d2"))),
            Groups("read g1", g => Box(g.ReadAsync("g1"))), Groups("create g1 d1 (a delete's key)", g => Box(g.CreateAsync("g1", "d1"))),
            Groups("delete g1 k1 (a create's key)", g => Box(g.DeleteAsync("g1", "k1"))), Groups("create g2 no key", g => Box(g.CreateAsync("g2", null))),
            Groups("read g2", g => Box(g.ReadAsync("g2"))), Groups("delete g2 no key", g => Box(g.DeleteAsync("g2", null))),
            Groups("read g2", g => Box(g.ReadAsync("g2"))), Groups("list", g => Box(g.ListAsync()))),
        new("node: fences",
            Groups("create g1 k1 token 5", g => Box(g.CreateAsync("g1", "k1", 5))), Groups("create g2 k2 token 3", g => Box(g.CreateAsync("g2", "k2", 3))),
            Groups("delete g1 d1 token 4", g => Box(g.DeleteAsync("g1", "d1", 4))), Groups("delete g1 d1 token 5", g => Box(g.DeleteAsync("g1", "d1", 5))),
            Groups("create g1 k3 token 1700000000000000", g => Box(g.CreateAsync("g1", "k3", 1_700_000_000_000_000))),
            Groups("delete g1 d4 token 1699999999999999", g => Box(g.DeleteAsync("g1", "d4", 1_699_999_999_999_999))),
            Groups("delete g1 no key no token", g => Box(g.DeleteAsync("g1", null))),
            Groups("abort g1 k9 token 2", g => Box(g.AbortAsync("g1", "k9", 2))),
            Groups("create g1 k1 token 1 (a used key: replayed before the fence)", g => Box(g.CreateAsync("g1", "k1", 1)))),
        new("node: aborts",
            Groups("abort g1 k1", g => Box(g.AbortAsync("g1", "k1", 7))), Groups("create g1 k1 (aborted)", g => Box(g.CreateAsync("g1", "k1", 7))),
            Groups("abort g1 k1 again", g => Box(g.AbortAsync("g1", "k1", 7))), Groups("create g1 k2", g => Box(g.CreateAsync("g1", "k2", 8))),
            Groups("abort g1 k2 (applied)", g => Box(g.AbortAsync("g1", "k2", 8))), Groups("create g1 k3 (exists)", g => Box(g.CreateAsync("g1", "k3", 8))),
            Groups("abort g1 k3 (already so)", g => Box(g.AbortAsync("g1", "k3", 9))), Groups("delete g1 d1", g => Box(g.DeleteAsync("g1", "d1", 9))),
            Groups("abort g1 d1 (a delete applied)", g => Box(g.AbortAsync("g1", "d1", 9))), Groups("abort g1 no token", g => Box(g.AbortAsync("g1", "k4", null))),
            Groups("read g1", g => Box(g.ReadAsync("g1")))),
        new("node: a delete's key from before durable keys",
            Cmd("SET", "idem:delete:old", "g1"), Groups("create g1 old", g => Box(g.CreateAsync("g1", "old"))),
            Groups("create g2 old", g => Box(g.CreateAsync("g2", "old"))), Groups("list", g => Box(g.ListAsync()))),
        new("node: digests, buckets and pages",
            Groups("create 40 groups", async g => { foreach (var i in Enumerable.Range(0, 40)) { await g.CreateAsync($"g{i}", $"k{i}"); } return null; }),
            Groups("delete 10 of them", async g => { foreach (var i in Enumerable.Range(0, 10)) { await g.DeleteAsync($"g{i * 3}", $"d{i}"); } return null; }),
            Groups("digest", g => Box(g.DigestAsync(), d => $"total {d.Counts.Sum()}, {Nonzero(d.Counts, d.Hashes)}")),
            Groups("bucket of g1", g => Box(g.BucketAsync(ClusterGroups.Contracts.GroupBuckets.Of(ClusterGroups.Contracts.GroupBuckets.Hash("g1"))))),
            Groups("all pages of 7", g => Box(AllPages(g, 7))), Groups("list", g => Box(g.ListAsync()))),
        new("node: bulk create and wipe",
            Groups("create g-keep k1 token 5", g => Box(g.CreateAsync("g-keep", "k1", 5))),
            Groups("bulk 1200 (3 scripts)", g => Box(g.BulkCreateAsync(Thousand, CancellationToken.None))),
            Groups("bulk the same again", g => Box(g.BulkCreateAsync(Thousand, CancellationToken.None))),
            Groups("bulk 5 of which 2 new", g => Box(g.BulkCreateAsync(["bulk-1", "bulk-2", "g-keep", "new-1", "new-2"], CancellationToken.None))),
            Groups("digest", g => Box(g.DigestAsync(), d => $"total {d.Counts.Sum()}, {Nonzero(d.Counts, d.Hashes)}")),
            Groups("all pages of 100", g => Box(AllPages(g, 100))), Groups("wipe", async g => { await g.DeleteAllAsync(); return "done"; }),
            Groups("list", g => Box(g.ListAsync())), Groups("digest", g => Box(g.DigestAsync(), d => $"total {d.Counts.Sum()}")),
            Groups("create g-keep k1 (replayed: keys stay)", g => Box(g.CreateAsync("g-keep", "k1", 5))),
            Groups("create g-keep k2 token 4 (fences stay)", g => Box(g.CreateAsync("g-keep", "k2", 4)))),
        // Group commit toward the store (StoreBatch): a batch's writes in one NodeScripts.Batch, in the items' order,
        // each answered as its single script; then the same groups' writes again, as one batch. (An item whose script
        // fails is answered its error beside the others: StoreBatchTests, on the in-process store. No portable way to
        // make a node script fail here: Garnet keeps strings and hashes apart, so a key of the wrong type is no error.)
        new("node: a batch of writes in one script",
            Batched("create g1 k1 token 5, create g2 k2 token 5, create g1 k3 token 4 (fenced), create g3 k4 no token, delete g1 d1 token 5, abort g4 k5 token 1, takeover g2 k2 token 6",
                g => Box(g.CreateAsync("g1", "k1", 5)), g => Box(g.CreateAsync("g2", "k2", 5)), g => Box(g.CreateAsync("g1", "k3", 4)),
                g => Box(g.CreateAsync("g3", "k4")), g => Box(g.DeleteAsync("g1", "d1", 5)), g => Box(g.AbortAsync("g4", "k5", 1)),
                g => Box(g.TakeOverAsync("g2", "k2", "k2:undo", 6))),
            Batched("create g1 k1 again (replayed), delete g2 d2 token 6, create g4 k5 (aborted)",
                g => Box(g.CreateAsync("g1", "k1", 5)), g => Box(g.DeleteAsync("g2", "d2", 6)), g => Box(g.CreateAsync("g4", "k5", 1))),
            Groups("list", g => Box(g.ListAsync())), UnorderedPairs("HGETALL", "fence"), Cmd("GET", "idem:k5"), Cmd("GET", "deleted-by:g2"),
            Groups("digest", g => Box(g.DigestAsync(), d => $"total {d.Counts.Sum()}, {Nonzero(d.Counts, d.Hashes)}"))),
        new("node: takeover, with records and after they expired",
            Groups("create g1 k1 token 5", g => Box(g.CreateAsync("g1", "k1", 5))),
            Groups("takeover g1 k1 token 6", g => Box(g.TakeOverAsync("g1", "k1", "k1:undo", 6))),
            Groups("takeover g1 k1 token 5 (fenced)", g => Box(g.TakeOverAsync("g1", "k1", "k1:undo", 5))),
            Groups("delete g1 k1:undo token 6", g => Box(g.DeleteAsync("g1", "k1:undo", 6))),
            Groups("takeover g1 k1 token 7", g => Box(g.TakeOverAsync("g1", "k1", "k1:undo", 7))),
            Cmd("DEL", "idem:k1", "idem:k1:undo"),
            Groups("takeover g1 k1 token 8 (records gone)", g => Box(g.TakeOverAsync("g1", "k1", "k1:undo", 8))),
            Groups("takeover g2 k2 token 1 (never used)", g => Box(g.TakeOverAsync("g2", "k2", "k2:undo", 1))),
            Groups("create g2 k2 token 1 (shut)", g => Box(g.CreateAsync("g2", "k2", 1)))),
        new("node: a store filled without the node, and digest rebuilds",
            Groups("create g1 k1", g => Box(g.CreateAsync("g1", "k1"))), Groups("create g2 k2", g => Box(g.CreateAsync("g2", "k2"))),
            Cmd("HSET", "groups", "r1", "~", "r2", "~", "r3", "~"),
            Groups("digest (stale)", g => Box(g.DigestAsync(), Describe)),
            Groups("delete r3 d3 (not in its bucket: the digest stays)", g => Box(g.DeleteAsync("r3", "d3"))),
            Groups("rebuild", Rebuild), Groups("digest", g => Box(g.DigestAsync(), Describe)),
            Cmd("HDEL", "groups", "r1"),
            Groups("digest (stale)", g => Box(g.DigestAsync(), Describe)),
            Groups("rebuild", Rebuild), Groups("digest", g => Box(g.DigestAsync(), Describe)),
            Groups("all pages of 100", g => Box(AllPages(g, 100)))),
    ];

    private static string Describe(DigestState d) =>
        $"groups {d.Groups}, total {d.Total}, rebuilding {d.Rebuilding}, trusted {d.Trusted}, {Nonzero(d.Counts, d.Hashes)}";

    // DigestRebuild's steps, as the node runs them; the digest is untrusted between the mark and its end.
    private static async Task<object?> Rebuild(GroupStore store)
    {
        await store.BeginRebuildAsync("r");
        var during = Describe(await store.DigestAsync());
        var added = 0;
        string? cursor = "0";
        while (cursor is not null)
        {
            (var n, cursor) = await store.RebuildAddAsync(cursor, 500);
            added += n;
        }

        var (removed, notDone) = (0, 0);
        for (var bucket = 0; bucket < ClusterGroups.Contracts.GroupBuckets.Count; bucket++)
        {
            var (n, done) = await store.RebuildBucketAsync(bucket);
            (removed, notDone) = (removed + n, notDone + (done ? 0 : 1));
        }

        return $"during: {during}; added {added}, removed {removed}, not done {notDone}, ended {await store.EndRebuildAsync("r")}";
    }

    // The writes as one StoreBatch (one NodeScripts.Batch script): each item's answer, or its error, in the items' order.
    private static StoreStep Batched(string label, params Func<GroupStore, Task<object?>>[] items) =>
        new($"node: batch of {label}", async store =>
        {
            var batch = new StoreBatch(store, items.Length);
            var answers = items.Select((item, i) => item(batch.For(i))).ToList();
            var lines = new List<string>();
            foreach (var answer in answers)
            {
                try
                {
                    lines.Add($"{await answer.WaitAsync(TimeSpan.FromSeconds(30))}");
                }
                catch (RedisServerException e)
                {
                    lines.Add(Answers.Error(e.Message));
                }
            }

            return string.Join("; ", lines);
        });

    private static async Task<object?> Box<T>(Task<T> task) => await task;

    private static async Task<object?> Box<T>(Task<T> task, Func<T, string> describe) => describe(await task);

    private static string Nonzero(int[] counts, string[] hashes) =>
        string.Join(" ", counts.Select((n, b) => (n, b)).Where(x => x.n != 0).Select(x => $"{x.b}:{x.n}:{hashes[x.b]}"));

    // Every group a whole walk of pages returned (each page's size is the store's business: COUNT is a hint).
    private static async Task<string> AllPages(GroupStore store, int limit)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var cursor = "0";
        for (var pages = 0; pages < 10_000; pages++)
        {
            var (ids, next) = await store.PageAsync(cursor, limit);
            seen.UnionWith(ids);
            if (next is null)
            {
                return $"{seen.Count}: {string.Join(",", seen)}";
            }

            cursor = next;
        }

        return "no end";
    }
}
