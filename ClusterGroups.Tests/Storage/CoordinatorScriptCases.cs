using ClusterGroups.Api.Coordinator.Redis;
using StackExchange.Redis;
using static ClusterGroups.Tests.Storage.Steps;

namespace ClusterGroups.Tests.Storage;

// The Redis coordinator's scripts (CoordinatorScripts), run with the keys and arguments RedisCoordinator gives them.
public static class CoordinatorScriptCases
{
    private static readonly string[] OutcomeIndexes = [.. Enum.GetValues<Outcome>().Select(o => $"cg:ops:outcome:{o}")];

    public static IEnumerable<StoreCase> All =>
    [
        Coordinator("coordinator: leases and tokens",
            Lease("o1", 1000), Lease("o2", 2000), Release("o2"), Release("o1"), Lease("o3", 1500), Ttl("cg:lock:g1", 10_000),
            Renew("o3", 20_000), Ttl("cg:lock:g1", 20_000), Renew("o9", 20_000), Cmd("HGET", "cg:fences", "g1"), Release("o3"),
            Lease("o4", 1_700_000_000_000_000), Cmd("HGET", "cg:fences", "g1"), Release("o4"), Lease("o5", 5)),
        Coordinator("coordinator: start and begin",
            Start(token: 10, owner: "o1", id: "op1"), Start(token: 10, owner: "o2", id: "op2"),
            Start(token: 11, owner: "o2", id: "op2"), Cmd("DEL", "cg:lock:g1"),
            Start(token: 12, owner: "o2", id: "op2"), Cmd("SREM", "cg:ops:open", "op1"), Cmd("DEL", "cg:lock:g1"),
            Lease("o3", 13), Cmd("DEL", "cg:lock:g1"),
            Start(token: 14, owner: "o4", id: "op4"), Begin(token: 13, id: "op5"), Begin(token: 14, id: "op5"),
            Begin(token: 20, id: "op6"), Cmd("HGET", "cg:fences", "g1")),
        // The group's token is 5, as a lease with token 5 would have left it, so a save with 4 is refused.
        Coordinator("coordinator: save and close",
            Cmd("HSET", "cg:fences", "g1", 5), Begin(token: 5, id: "op1"), Save(token: 5, id: "op1", open: true, current: 1, previous: 1),
            Save(token: 4, id: "op1", open: true, current: 5, previous: 1), Save(token: 5, id: "op1", open: true, current: 5, previous: 1),
            Cmd("SET", "cg:lock:g1", "o1"), Save(token: 5, id: "op1", open: false, current: 2, previous: 5, desired: "+op1", owner: "o1"),
            Cmd("EXISTS", "cg:lock:g1"), Ttl("cg:op:op1", 604_800_000), Begin(token: 6, id: "op2"),
            Cmd("SET", "cg:lock:g1", "other"), Save(token: 6, id: "op2", open: false, current: 4, previous: 0, desired: "", owner: "o1"),
            Cmd("GET", "cg:lock:g1"), Cmd("ZADD", "cg:ops", 1, "old1", 2, "old2", 3, "old3"), Cmd("ZADD", "cg:ops:group:g1", 1, "old1"),
            Begin(token: 7, id: "op3"), Save(token: 7, id: "op3", open: false, current: 3, previous: 1, desired: "-op3", owner: "", prune: true),
            Cmd("ZRANGE", "cg:ops", 0, -1, "WITHSCORES"), Cmd("ZRANGE", "cg:ops:group:g1", 0, -1, "WITHSCORES"), Cmd("HGETALL", "cg:desired")),
        // Group commit: one Batch of a start, the same group's start again (busy), a fenced begin, the first one's
        // close (which frees the lease) and a start after it, each answered as its single script.
        Coordinator("coordinator: a batch",
            Cmd("HSET", "cg:fences", "g1", 3),
            Batch(
                ("start", [.. LeaseKeys, .. EpochKeys("op1")], [.. LeaseArgs("o1", 10), .. EpochArgs(10, "op1")]),
                ("start", [.. LeaseKeys, .. EpochKeys("op2")], [.. LeaseArgs("o2", 11), .. EpochArgs(11, "op2")]),
                ("begin", [.. LeaseKeys, .. EpochKeys("op3")], ["g1", 9, "", "", .. EpochArgs(9, "op3")]),
                ("save", SaveKeys("op1"), [.. SaveArgs(10, "op1", open: false, current: 2, previous: 1, desired: "+op1", owner: "o1", prune: false)]),
                ("start", [.. LeaseKeys, .. EpochKeys("op4")], [.. LeaseArgs("o4", 12), .. EpochArgs(12, "op4")])),
            Cmd("GET", "cg:group:g1:last"), Cmd("HGET", "cg:fences", "g1"), Cmd("HGETALL", "cg:desired")),
    ];

    // BeginKeys and BeginArgs with the membership (KEYS[9], none recorded) and the operation's epoch (ARGV[9], 0), as
    // RedisCoordinator gives them; no Idempotency-Key. (Without the membership key, Start and Begin only fail: their
    // epoch check reads KEYS[9].)
    private static RedisKey[] EpochKeys(string id) => [.. BeginKeys(id), "cg:membership"];

    private static object[] EpochArgs(long token, string id) => [.. BeginArgs(token, id), $"Create g1 {id}", 0];

    // A CoordinatorScripts.Batch of (step, keys, arguments) items, keys given once each, as RedisCoordinator sends it.
    private static StoreStep Batch(params (string Step, RedisKey[] Keys, object[] Args)[] items)
    {
        var keys = new List<RedisKey>();
        var args = new List<object> { items.Length };
        foreach (var (step, itemKeys, itemArgs) in items)
        {
            args.Add(step);
            args.Add(itemKeys.Length);
            foreach (var key in itemKeys)
            {
                if (!keys.Contains(key))
                {
                    keys.Add(key);
                }

                args.Add(keys.IndexOf(key) + 1);
            }

            args.Add(itemArgs.Length);
            args.AddRange(itemArgs);
        }

        return Script(nameof(CoordinatorScripts.Batch), CoordinatorScripts.Batch, [.. keys], [.. args]);
    }

    private static StoreCase Coordinator(string name, params StoreStep[] steps) =>
        new(name, StoreRole.Coordinator, steps) { DeclaredKeysOnly = true };

    // RedisCoordinator.AcquireAsync's keys and arguments for group g1: the lease only (Lease), or with a begin (Start).
    private static readonly RedisKey[] LeaseKeys = ["cg:fences", "cg:group:g1:last", "cg:ops:open", "cg:lock:g1"];

    private static object[] LeaseArgs(string owner, long token) => ["g1", token, owner, 10_000];

    private static RedisKey[] BeginKeys(string id) => [$"cg:op:{id}", "cg:ops", "cg:ops:group:g1", OutcomeIndexes[0]];

    // An operation started at 1000 + its token, Running.
    private static object[] BeginArgs(long token, string id) => [$$"""{"id":"{{id}}","token":{{token}}}""", id, 1000 + token];

    private static StoreStep Lease(string owner, long token) =>
        Script(nameof(CoordinatorScripts.Lease), CoordinatorScripts.Lease, LeaseKeys, LeaseArgs(owner, token));

    private static StoreStep Start(long token, string owner, string id) =>
        Script(nameof(CoordinatorScripts.Start), CoordinatorScripts.Start, [.. LeaseKeys, .. EpochKeys(id)], [.. LeaseArgs(owner, token), .. EpochArgs(token, id)]);

    // Begin's ARGV 3 and 4 are Lease's owner and lease time, which it does not read.
    private static StoreStep Begin(long token, string id) =>
        Script(nameof(CoordinatorScripts.Begin), CoordinatorScripts.Begin, [.. LeaseKeys, .. EpochKeys(id)], ["g1", token, "", "", .. EpochArgs(token, id)]);

    private static StoreStep Renew(string owner, long ms) =>
        Script(nameof(CoordinatorScripts.Renew), CoordinatorScripts.Renew, ["cg:lock:g1"], owner, ms);

    private static StoreStep Release(string owner) =>
        Script(nameof(CoordinatorScripts.Release), CoordinatorScripts.Release, ["cg:lock:g1"], owner);

    // RedisCoordinator.SaveAsync's keys and arguments: keep 2, retention a week, prune before 1000, no Idempotency-Key
    // (ARGV[14] empty: without it a close fails on its key's expiry).
    private static StoreStep Save(long token, string id, bool open, int current, int previous, string desired = "", string owner = "", bool prune = false) =>
        Script(nameof(CoordinatorScripts.Save), CoordinatorScripts.Save, SaveKeys(id), SaveArgs(token, id, open, current, previous, desired, owner, prune));

    private static RedisKey[] SaveKeys(string id) =>
        ["cg:fences", $"cg:op:{id}", "cg:ops:open", "cg:ops", "cg:ops:group:g1", "cg:desired", "cg:lock:g1", .. OutcomeIndexes];

    private static object[] SaveArgs(long token, string id, bool open, int current, int previous, string desired, string owner, bool prune) =>
        ["g1", token, $$"""{"id":"{{id}}","saved":{{current}}}""", id, open ? "" : 604_800_000, 2, 1000 + token, current, 1000,
         desired, owner, previous, prune ? "1" : "0", ""];

    private static StoreStep Script(string name, string script, RedisKey[] keys, params object[] args)
    {
        var step = Eval($"-- CoordinatorScripts.{name}", keys, args);
        return step with
        {
            Run = store => Answers.Of(() => store.EvaluateAsync(script, keys, Values(args))),
        };
    }
}
