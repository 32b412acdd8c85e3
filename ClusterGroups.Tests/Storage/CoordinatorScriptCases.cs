using System.Reflection;
using ClusterGroups.Api.Coordinator;
using StackExchange.Redis;
using static ClusterGroups.Tests.Storage.Steps;

namespace ClusterGroups.Tests.Storage;

// The coordinator's scripts as they are today (private constants of RedisOperationJournal, RedisGroupLocks and
// RedisLease, read by reflection so that a changed script is tested as it stands), run with the keys and arguments
// those classes give them. A script that is renamed or goes fails its case: point the case at the new one.
public static class CoordinatorScriptCases
{
    private static readonly string[] OutcomeIndexes = [.. Enum.GetValues<Outcome>().Select(o => $"cg:ops:outcome:{o}")];

    // The lease's renewal as a compare-and-PEXPIRE script (what LockExtend's WATCH/MULTI transaction does today).
    public const string CompareAndExpire = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 0
        """;

    public static IEnumerable<StoreCase> All =>
    [
        Coordinator("coordinator: leases and tokens",
            Take("o1", 1000), Take("o2", 2000), Release("o2"), Release("o1"), Take("o3", 500), Ttl("cg:lock:g1", 10_000),
            Eval(CompareAndExpire, ["cg:lock:g1"], "o3", 20_000), Ttl("cg:lock:g1", 20_000), Eval(CompareAndExpire, ["cg:lock:g1"], "o9", 20_000),
            Eval(CompareAndExpire, ["cg:lock:none"], "o3", 20_000), Cmd("HGET", "cg:fences", "g1"), Release("o3"),
            Take("o4", 1_700_000_000_000_000), Cmd("HGET", "cg:fences", "g1"), Release("o4"), Take("o5", 5)),
        Coordinator("coordinator: start and begin",
            Start(token: 10, owner: "o1", id: "op1", begin: true), Start(token: 10, owner: "o2", id: "op2", begin: true),
            Start(token: 11, owner: "o2", id: "op2", begin: true), Cmd("DEL", "cg:lock:g1"),
            Start(token: 12, owner: "o2", id: "op2", begin: true), Cmd("SREM", "cg:ops:open", "op1"), Cmd("DEL", "cg:lock:g1"),
            Start(token: 13, owner: "o3", id: "op3", begin: false), Cmd("DEL", "cg:lock:g1"),
            Start(token: 14, owner: "o4", id: "op4", begin: true), Begin(token: 13, id: "op5"), Begin(token: 14, id: "op5"),
            Begin(token: 20, id: "op6"), Cmd("HGET", "cg:fences", "g1")),
        Coordinator("coordinator: save and close",
            Begin(token: 5, id: "op1"), Save(token: 5, id: "op1", open: true, current: 1, previous: 1),
            Save(token: 4, id: "op1", open: true, current: 5, previous: 1), Save(token: 5, id: "op1", open: true, current: 5, previous: 1),
            Cmd("SET", "cg:lock:g1", "o1"), Save(token: 5, id: "op1", open: false, current: 2, previous: 5, desired: "+op1", owner: "o1"),
            Cmd("EXISTS", "cg:lock:g1"), Ttl("cg:op:op1", 604_800_000), Begin(token: 6, id: "op2"),
            Cmd("SET", "cg:lock:g1", "other"), Save(token: 6, id: "op2", open: false, current: 4, previous: 0, desired: "", owner: "o1"),
            Cmd("GET", "cg:lock:g1"), Cmd("ZADD", "cg:ops", 1, "old1", 2, "old2", 3, "old3"), Cmd("ZADD", "cg:ops:group:g1", 1, "old1"),
            Begin(token: 7, id: "op3"), Save(token: 7, id: "op3", open: false, current: 3, previous: 1, desired: "-op3", owner: "", prune: true),
            Cmd("ZRANGE", "cg:ops", 0, -1, "WITHSCORES"), Cmd("ZRANGE", "cg:ops:group:g1", 0, -1, "WITHSCORES"), Cmd("HGETALL", "cg:desired")),
    ];

    private static StoreCase Coordinator(string name, params StoreStep[] steps) =>
        new(name, StoreRole.Coordinator, steps) { DeclaredKeysOnly = true };

    private static StoreStep Take(string owner, long clock) =>
        Script(typeof(RedisGroupLocks), "Take", ["cg:lock:g1", "cg:fences"], owner, 10_000, "g1", clock);

    private static StoreStep Release(string owner) => Script(typeof(RedisLease), "Release", ["cg:lock:g1"], owner);

    // RedisOperationJournal.BeginKeys / BeginArgs for group g1 (an operation started at 1000 + its token, Running).
    private static RedisKey[] BeginKeys(string id) =>
        ["cg:fences", $"cg:op:{id}", "cg:ops", "cg:group:g1:last", "cg:ops:open", "cg:ops:group:g1", OutcomeIndexes[0]];

    private static object[] BeginArgs(long token, string id) => ["g1", token, $$"""{"id":"{{id}}","token":{{token}}}""", id, 1000 + token];

    private static StoreStep Begin(long token, string id) => Script(typeof(RedisOperationJournal), "Begin", BeginKeys(id), BeginArgs(token, id));

    private static StoreStep Start(long token, string owner, string id, bool begin) =>
        Script(typeof(RedisOperationJournal), "Start", [.. BeginKeys(id), "cg:lock:g1"], [.. BeginArgs(token, id), owner, 10_000, begin ? "1" : "0"]);

    // RedisOperationJournal.SaveAsync's keys and arguments: keep 2, retention a week, prune before 1000.
    private static StoreStep Save(long token, string id, bool open, int current, int previous, string desired = "", string owner = "", bool prune = false) =>
        Script(typeof(RedisOperationJournal), "Save",
            ["cg:fences", $"cg:op:{id}", "cg:ops:open", "cg:ops", "cg:ops:group:g1", "cg:desired", "cg:lock:g1", .. OutcomeIndexes],
            ["g1", token, $$"""{"id":"{{id}}","saved":{{current}}}""", id, open ? "" : 604_800_000, 2, 1000 + token, current, 1000,
             desired, owner, previous, prune ? "1" : "0"]);

    private static StoreStep Script(Type type, string name, RedisKey[] keys, params object[] args)
    {
        var step = Eval($"-- {type.Name}.{name}", keys, args);
        return step with
        {
            Run = store => Answers.Of(() => store.EvaluateAsync(ScriptOf(type, name), keys, Values(args))),
        };
    }

    private static string ScriptOf(Type type, string name) =>
        type.GetField(name, BindingFlags.NonPublic | BindingFlags.Static)?.GetRawConstantValue() as string
        ?? throw new InvalidOperationException($"{type.Name}.{name} is no longer a script constant: point CoordinatorScriptCases at the script that replaced it.");
}
