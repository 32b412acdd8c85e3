using ClusterGroups.Storage;
using StackExchange.Redis;

namespace ClusterGroups.Simulation.Keyspace;

// A Redis-protocol store in this process, behind the same IRedisStore the node and the coordinator use: their real
// Lua scripts run in it (LuaScripts), over a keyspace whose expiry runs on the given clock (the simulator's). One lock
// per store: each script or command is atomic, as in a real store. Every call completes before it returns (the Task
// is already done). Snapshot / Restore copy the whole keyspace, so a simulated store crash can lose what was not
// durable. The commands it knows are KeyspaceCommands'; ClusterGroups.Tests/Storage checks it against Garnet and
// redis-server (docs/ARCHITECTURE.md, "The simulated store").
public sealed class InProcessStore : IRedisStore, IDisposable
{
    private readonly Lock _lock = new();
    private readonly RedisKeyspace _keyspace;
    private readonly LuaScripts _scripts;

    // declaredKeysOnly: a script that touches a key not in its KEYS fails (Redis allows it, but Garnet would not run it
    // atomically, while this store runs every script atomically: a simulation would hide the race).
    public InProcessStore(TimeProvider? time = null, bool declaredKeysOnly = true)
    {
        _keyspace = new RedisKeyspace(time ?? TimeProvider.System);
        _scripts = new LuaScripts(_keyspace, declaredKeysOnly);
    }

    // The commands ExecuteAsync and redis.call accept.
    public static IEnumerable<string> Commands => KeyspaceCommands.Names;

    // How many times a script was compiled: each distinct one once.
    public int CompiledScripts
    {
        get
        {
            lock (_lock)
            {
                return _scripts.CompiledCount;
            }
        }
    }

    public Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args)
    {
        var keyTexts = Array.ConvertAll(keys, ByteText.From);
        var argTexts = Array.ConvertAll(args, ByteText.From);
        Reply reply;
        lock (_lock)
        {
            _keyspace.Tick();
            reply = _scripts.Run(script, keyTexts, argTexts);
        }

        return ReplyResults.Complete(reply);
    }

    public Task<RedisResult> ExecuteAsync(string command, params RedisValue[] args)
    {
        var words = new string[args.Length + 1];
        words[0] = command;
        for (var i = 0; i < args.Length; i++)
        {
            words[i + 1] = ByteText.From(args[i]);
        }

        Reply reply;
        lock (_lock)
        {
            _keyspace.Tick();
            reply = KeyspaceCommands.Execute(_keyspace, words);
        }

        return ReplyResults.Complete(reply);
    }

    public KeyspaceSnapshot Snapshot()
    {
        lock (_lock)
        {
            _keyspace.Tick();
            return _keyspace.Snapshot();
        }
    }

    public void Restore(KeyspaceSnapshot snapshot)
    {
        lock (_lock)
        {
            _keyspace.Restore(snapshot);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _scripts.Dispose();
        }
    }
}
