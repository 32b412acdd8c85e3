using static ClusterGroups.Tests.Storage.Steps;

namespace ClusterGroups.Tests.Storage;

// Scripts as EVAL runs them: the conversions between Lua and Redis both ways, redis.call / redis.pcall and their
// errors, KEYS and ARGV, and the Lua functions our scripts lean on (tonumber, string.format). The in-process store
// is redis-server's semantics on Garnet's Lua (5.4); where the two real stores differ, the step says how.
public static class LuaCases
{
    private const string GarnetStatus = "Garnet returns a script's {ok=...} as a bulk reply, and hands a script SET's OK as a string";
    private const string GarnetErrorCode = "Garnet gives an error reply of a script the code ERR, whatever the script said";
    private const string GarnetGet = "Garnet's GET of a key of another type answers nil (its strings and its hashes, sets, sorted sets are separate stores)";
    private const string GarnetArity = "Garnet answers a call with a wrong number of arguments nil";
    private const string GarnetGlobals = "Garnet does not guard a script's globals: an undefined one reads nil";
    private const string Lua51 = "redis-server runs Lua 5.1, whose numbers are all doubles: 3.0 prints as 3";
    private const string FloatArgument = "a float given to redis.call is written differently by each store (\"%.17g\" on redis-server, tostring on Garnet): the in-process store refuses it";
    private const string Undeclared = "the real stores let a script touch a key not in KEYS (Garnet only leaves it unlocked); the in-process store refuses it";

    public static IEnumerable<StoreCase> All =>
    [
        new("lua: replies from Lua values",
            Eval("return 1"), Eval("return -7"), Eval("return 3.7"), Eval("return -3.7"), Eval("return 'text'"), Eval("return ''"),
            Eval("return true"), Eval("return false"), Eval("return nil"), Eval("return {1, 'a', {2, {'b'}}, true, false}"),
            Eval("return {1, nil, 3}"), Eval("return {}"), Eval("return {err = 'My Error'}"),
            Eval("return {ok = 'Fine'}").Except(StoreKind.Garnet, "\"Fine\"", GarnetStatus),
            Eval("return {1, {err = 'inner'}, {ok = 'done'}}").Except(StoreKind.Garnet, "[1, -inner, \"done\"]", GarnetStatus),
            Eval("return {err = 'ERR with code'}"),
            Eval("return {ok = 'a\\r\\nb'}").Except(StoreKind.Garnet, "\"a\r\nb\"", GarnetStatus),
            Eval("return {err = 5}"), Eval("return {ok = 5}"), Eval("return {x = 1}"), Eval("return 2^53"), Eval("return 1e300 > 0"),
            Eval("return redis.status_reply('QUEUED')").Except(StoreKind.Garnet, "\"QUEUED\"", GarnetStatus),
            Eval("return redis.error_reply('boom')"),
            Eval("return redis.error_reply('MYCODE boom')").Except(StoreKind.Garnet, "-ERR MYCODE boom", GarnetErrorCode),
            Eval("return redis.error_reply('-OTHER boom')").Except(StoreKind.Garnet, "-ERR -OTHER boom", GarnetErrorCode)),
        new("lua: redis.call replies as Lua values",
            Eval("return redis.call('PING')").Except(StoreKind.Garnet, "\"PONG\"", GarnetStatus),
            Eval("return type(redis.call('PING'))"), Eval("return type(redis.call('SET', 'k', 'v'))").Except(StoreKind.Garnet, "\"string\"", GarnetStatus),
            Eval("return type(redis.call('GET', 'nokey'))"), Eval("return tostring(redis.call('GET', 'nokey'))"),
            Eval("return redis.call('SET', 'k', 'v').ok").Except(StoreKind.Garnet, "nil", GarnetStatus), Eval("return redis.call('GET', 'k')"),
            Eval("return redis.call('INCR', 'n') + 1"), Eval("return tostring(redis.call('INCR', 'n'))"),
            Eval("return type(redis.call('HGETALL', 'nokey'))"), Eval("return #redis.call('HGETALL', 'nokey')"),
            Eval("redis.call('HSET', 'h', 'f', 'v') return redis.call('HGETALL', 'h')"), Eval("return redis.call('ZRANGE', 'nokey', 0, -1)"),
            Eval("return redis.call('HMGET', 'h', 'f', 'nope')"), Eval("local r = redis.call('HMGET', 'h', 'f', 'nope') return {type(r[1]), type(r[2])}"),
            Eval("return redis.pcall('GET', 'h')").Except(StoreKind.Garnet, "nil", GarnetGet),
            Eval("return redis.pcall('INCR', 'h').err").Except(StoreKind.Garnet, "\"WRONGTYPE Operation against a key holding the wrong kind of value.\"", "Garnet's own words"),
            Eval("return type(redis.pcall('NOSUCH'))"),
            Eval("local ok, e = pcall(redis.call, 'INCR', 'h') return {tostring(ok), type(e), e}")
                .Except(StoreKind.Garnet, "[\"false\", \"string\", \"WRONGTYPE Operation against a key holding the wrong kind of value.\"]", "Garnet's own words")),
        new("lua: errors",
            Eval("return redis.call('GET', 'h')"),
            Eval("redis.call('HSET', 'h', 'f', 'v') return redis.call('GET', 'h')").Except(StoreKind.Garnet, "nil", GarnetGet),
            Eval("return redis.call('INCR', 'h')").Except(StoreKind.Garnet,
                "-ERR Lua encountered an error: WRONGTYPE Operation against a key holding the wrong kind of value.", GarnetErrorCode),
            Eval("return redis.call('NOSUCH', 'a')"), Eval("return redis.call('GET')").Except(StoreKind.Garnet, "nil", GarnetArity),
            Eval("return redis.call()"), Eval("return redis.call('GET', {})"), Eval("error('boom')"),
            Eval("error({err = 'TABLE boom'})").Except(StoreKind.Garnet, "-ERR Lua encountered an error: ", GarnetErrorCode),
            Eval("return nil + 1"), Eval("return undefined_global").Except(StoreKind.Garnet, "nil", GarnetGlobals), Eval("newglobal = 1"),
            Eval("return +").Except(StoreKind.Garnet, "-Compilation error: [string \"?\"]:1: unexpected symbol near '+'", "Garnet's own words"),
            Eval("local x = 1"), Eval("return redis.pcall('INCR', 'h')"), Eval("redis.call('SET', 'after', 'v') error('stop')"), Cmd("GET", "after")),
        new("lua: KEYS and ARGV",
            Eval("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", ["k1", "k2"], "a1", "a2"),
            Eval("return {#KEYS, #ARGV, type(KEYS[1])}"), Eval("return ARGV[1]", [], ""), Eval("return ARGV[1] .. ARGV[2]", [], 12, "x"),
            Eval("return redis.call('SET', KEYS[1], ARGV[1]).ok", ["k"], "v").Except(StoreKind.Garnet, "nil", GarnetStatus), Cmd("GET", "k"),
            Eval("redis.call('SET', KEYS[1], 'grüße') return {redis.call('GET', KEYS[1]), string.len('ü'), #ARGV[1]}", ["u"], "ü"), Cmd("GET", "u")),
        new("lua: a key not in KEYS", [
            Eval("return redis.call('GET', KEYS[1])", ["declared"]),
            Eval("redis.call('SET', 'undeclared', 'v') return 1", ["declared"])
                .Except(StoreKind.Garnet, "1", Undeclared).Except(StoreKind.RedisServer, "1", Undeclared),
            Cmd("DEL", "undeclared").Except(StoreKind.Garnet, "1", Undeclared).Except(StoreKind.RedisServer, "1", Undeclared)]) { DeclaredKeysOnly = true },
        new("lua: numbers our scripts write",
            Eval("return tonumber('12')"), Eval("return tonumber('12') + 1"), Eval("return tonumber('1.5')"), Eval("return tonumber('x')"),
            Eval("return tonumber(nil or '0')"), Eval("return string.format('%.0f', 1234567890123456)"), Eval("return string.format('%.0f', tonumber('42'))"),
            Eval("return string.format('%.0f', 3.7)"), Eval("return string.format('%d', 42)"), Eval("return 7 / 2"), Eval("return -(7 / 2)"),
            Eval("return tonumber(ARGV[1]) < tonumber(ARGV[2])", [], "5", "12"), Eval("return '5' < '12'"),
            Eval("return math.floor(7.9)"), Eval("return tostring(12)"), Eval("return tostring(tonumber('12'))"),
            Eval("return tostring(3.0)").Except(StoreKind.RedisServer, "\"3\"", Lua51),
            Eval("return tostring(10 / 2)").Except(StoreKind.RedisServer, "\"5\"", Lua51),
            Eval("return redis.call('HINCRBY', 'h', 'f', -tonumber('5') - 1)"),
            Eval("redis.call('SET', 'int', 1700000000000) return redis.call('GET', 'int')"),
            Eval("return redis.call('ZADD', 'z', 1700000000000, 'm')"), Cmd("ZSCORE", "z", "m"),
            Eval("return redis.call('PING', 3.0)").Except(StoreKind.RedisServer, "\"3\"", FloatArgument).Except(StoreKind.Garnet, "\"3.0\"", FloatArgument),
            Eval("return redis.call('PING', 0.1)")
                .Except(StoreKind.RedisServer, "\"0.10000000000000001\"", FloatArgument).Except(StoreKind.Garnet, "\"0.1\"", FloatArgument),
            Eval("return redis.call('PING', 2^53)")
                .Except(StoreKind.RedisServer, "\"9007199254740992\"", FloatArgument).Except(StoreKind.Garnet, "\"9.007199254741e+15\"", FloatArgument),
            Eval("local t = {} t['a'] = 1 t['b'] = 2 local n = 0 for k, v in pairs(t) do n = n + v end return n")),
    ];
}
