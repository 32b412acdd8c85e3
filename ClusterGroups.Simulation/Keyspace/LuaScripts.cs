using KeraLua;

namespace ClusterGroups.Simulation.Keyspace;

// Runs scripts as Redis' EVAL does, in one Lua 5.4 state per keyspace: KEYS and ARGV set as globals, redis.call /
// redis.pcall into the keyspace's commands (KeyspaceCommands), the result converted to a reply (LuaReplies). Each
// distinct script is compiled once and kept in the registry. Not thread-safe (InProcessStore holds its lock).
// Where Garnet and redis-server run a script differently in a way a script could rely on, a script here fails with an
// error that says so, rather than pick one (docs/ARCHITECTURE.md, "The simulated store"):
// - A float given to redis.call: redis-server (Lua 5.1) writes it "%.17g" (3.0 -> "3", 0.1 -> "0.10000000000000001"),
//   Garnet (Lua 5.4) as tostring does ("3.0", "0.1"). Integers (5.4's subtype) are written alike and pass.
// - A key not in KEYS (when declaredKeysOnly): Garnet's --lua-transaction-mode locks only KEYS, so such a script would
//   not be atomic there, while this store runs every script atomically.
// Lua 5.4 is otherwise Garnet's, not redis-server's: tostring(3.0) is "3.0" (5.1: "3"), tonumber('12') an integer.
// Its string hashes are seeded per state, so pairs() order differs between states: the keyspace's order does not
// depend on the order of writes (MemberSlot), so no reply or stored value does either.
internal sealed class LuaScripts : IDisposable
{
    private readonly Lua _lua = new(openLibs: true);
    private readonly RedisKeyspace _keyspace;
    private readonly bool _declaredKeysOnly;
    private HashSet<string>? _keys;

    // Held here: Lua keeps only a pointer to the delegate.
    private readonly LuaFunction _command;
    private readonly int _errorHandler;

    // Scripts are mostly the same constant string object: looked up by reference first (weakly: a caller that builds
    // its script text anew each time leaves nothing behind), then by text.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, object> _bySameString = new();
    private readonly Dictionary<string, int> _byText = new(StringComparer.Ordinal);

    public LuaScripts(RedisKeyspace keyspace, bool declaredKeysOnly)
    {
        _keyspace = keyspace;
        _declaredKeysOnly = declaredKeysOnly;
        _command = Command;
        if (_lua.LoadBuffer(System.Text.Encoding.UTF8.GetBytes(LuaPrelude.Source), "=prelude") != LuaStatus.OK)
        {
            throw new InvalidOperationException($"The Lua prelude does not compile: {LuaReplies.Text(_lua, -1)}");
        }

        _lua.PushCFunction(_command);
        if (_lua.PCall(1, 1, 0) != LuaStatus.OK)
        {
            throw new InvalidOperationException($"The Lua prelude failed: {LuaReplies.Text(_lua, -1)}");
        }

        _errorHandler = _lua.Ref(LuaRegistry.Index);
    }

    // How many times a script was compiled (each distinct one once).
    public int CompiledCount { get; private set; }

    public Reply Run(string script, IReadOnlyList<string> keys, IReadOnlyList<string> args)
    {
        if (!TryCompile(script, out var function, out var compileError))
        {
            return compileError;
        }

        var top = _lua.GetTop();
        _keys = _declaredKeysOnly ? new HashSet<string>(keys, StringComparer.Ordinal) : null;
        try
        {
            _lua.CheckStack(4);
            _lua.RawGetInteger((int)LuaRegistry.Index, _errorHandler);
            _lua.RawGetInteger((int)LuaRegistry.Index, function);
            SetGlobalArray("KEYS", keys);
            SetGlobalArray("ARGV", args);
            var status = _lua.PCall(0, 1, top + 1);
            var reply = LuaReplies.ToReply(_lua, -1);
            // The handler makes every error an {err=...} table; only a failure of the handler itself leaves a string.
            return status == LuaStatus.OK || reply is ErrorReply ? reply : new ErrorReply($"ERR {(reply as BulkReply)?.Value ?? status.ToString()}");
        }
        finally
        {
            _lua.SetTop(top);
        }
    }

    private bool TryCompile(string script, out int function, out Reply error)
    {
        error = Reply.Nil;
        if (_bySameString.TryGetValue(script, out var known))
        {
            function = (int)known;
            return true;
        }

        if (!_byText.TryGetValue(script, out function))
        {
            // Redis names a script's chunk user_script: errors read "user_script:LINE: ...".
            // The script is text, sent as UTF-8 as StackExchange.Redis sends it.
            if (_lua.LoadBuffer(System.Text.Encoding.UTF8.GetBytes(script), "@user_script") != LuaStatus.OK)
            {
                error = new ErrorReply($"ERR Error compiling script (new function): {LuaReplies.Text(_lua, -1)}");
                _lua.Pop(1);
                return false;
            }

            function = _lua.Ref(LuaRegistry.Index);
            _byText[script] = function;
            CompiledCount++;
        }

        _bySameString.AddOrUpdate(script, function);
        return true;
    }

    private void SetGlobalArray(string name, IReadOnlyList<string> values)
    {
        _lua.PushGlobalTable();
        _lua.PushString(name);
        _lua.CreateTable(values.Count, 0);
        for (var i = 0; i < values.Count; i++)
        {
            LuaStrings.Push(_lua, values[i]);
            _lua.RawSetInteger(-2, i + 1);
        }

        // Raw: the globals are read-only to scripts.
        _lua.RawSet(-3);
        _lua.Pop(1);
    }

    // redis.call and redis.pcall land here. Returns the reply and whether it is an error; raising it is left to the
    // Lua side (LuaPrelude), and no exception may cross back into Lua.
    private int Command(IntPtr state)
    {
        var lua = Lua.FromIntPtr(state)!;
        Reply reply;
        try
        {
            reply = Execute(lua);
        }
        catch (Exception e)
        {
            reply = new ErrorReply($"ERR {e.Message}");
        }

        lua.SetTop(0);
        LuaReplies.Push(lua, reply);
        lua.PushBoolean(reply is ErrorReply);
        return 2;
    }

    private Reply Execute(Lua lua)
    {
        var count = lua.GetTop();
        if (count == 0)
        {
            return new ErrorReply("ERR Please specify at least one argument for this redis lib call");
        }

        var args = new string[count];
        for (var i = 0; i < count; i++)
        {
            switch (lua.Type(i + 1))
            {
                case LuaType.String:
                    args[i] = LuaReplies.Text(lua, i + 1);
                    break;
                case LuaType.Number when lua.IsInteger(i + 1):
                    args[i] = RedisNumbers.FormatLong(lua.ToInteger(i + 1));
                    break;
                case LuaType.Number:
                    var number = lua.ToNumber(i + 1);
                    return new ErrorReply(
                        $"ERR a float ({RedisNumbers.FormatDouble(number)}) given to redis.call: redis-server writes it as %.17g, Garnet as Lua 5.4's tostring (3.0 -> \"3\" or \"3.0\"); pass an integer (math.floor) or a string (string.format)");
                default:
                    return new ErrorReply("ERR Lua redis lib command arguments must be strings or integers");
            }
        }

        return KeyspaceCommands.Execute(_keyspace, args, fromScript: true, _keys);
    }

    public void Dispose() => _lua.Dispose();
}
