using KeraLua;

namespace ClusterGroups.Simulation.Keyspace;

// Replies between Redis and Lua, converted as Redis documents it (EVAL, "Conversion between Lua and Redis data types").
// To Lua (what redis.call returns): integer -> number; bulk -> string; nil bulk -> false; multi-bulk -> table (nil
// multi-bulk -> false); status -> {ok=...}; error -> {err=...}.
// From Lua (what a script returns): number -> integer, truncated; string -> bulk; true -> 1; false -> nil bulk;
// a table with a string err -> error; with a string ok -> status; another table -> multi-bulk of its 1..n, up to the
// first nil; nil and anything else -> nil bulk.
internal static class LuaReplies
{
    public static void Push(Lua lua, Reply reply)
    {
        lua.CheckStack(3);
        switch (reply)
        {
            case IntegerReply integer:
                lua.PushInteger(integer.Value);
                break;
            case BulkReply { Value: null }:
            case ArrayReply { Items: null }:
                lua.PushBoolean(false);
                break;
            case BulkReply bulk:
                LuaStrings.Push(lua, bulk.Value);
                break;
            case StatusReply status:
                PushField(lua, "ok", status.Value);
                break;
            case ErrorReply error:
                PushField(lua, "err", error.Message);
                break;
            case ArrayReply { Items: { } items }:
                lua.CreateTable(items.Count, 0);
                for (var i = 0; i < items.Count; i++)
                {
                    Push(lua, items[i]);
                    lua.RawSetInteger(-2, i + 1);
                }

                break;
        }
    }

    public static Reply ToReply(Lua lua, int index)
    {
        index = lua.AbsIndex(index);
        switch (lua.Type(index))
        {
            case LuaType.Number:
                return Reply.Integer(lua.IsInteger(index) ? lua.ToInteger(index) : (long)Math.Truncate(lua.ToNumber(index)));
            case LuaType.String:
                return Reply.Bulk(Text(lua, index));
            case LuaType.Boolean:
                return lua.ToBoolean(index) ? Reply.One : Reply.Nil;
            case LuaType.Table:
                if (Field(lua, index, "err") is { } error)
                {
                    return new ErrorReply(OneLine(error));
                }

                if (Field(lua, index, "ok") is { } status)
                {
                    return new StatusReply(OneLine(status));
                }

                var items = new List<Reply>();
                lua.CheckStack(2);
                for (var i = 1; ; i++)
                {
                    if (lua.RawGetInteger(index, i) == LuaType.Nil)
                    {
                        lua.Pop(1);
                        break;
                    }

                    items.Add(ToReply(lua, -1));
                    lua.Pop(1);
                }

                return Reply.Array(items);
            default:
                return Reply.Nil;
        }
    }

    public static string Text(Lua lua, int index) => LuaStrings.Read(lua, index);

    private static void PushField(Lua lua, string name, string value)
    {
        lua.CreateTable(0, 1);
        lua.PushString(name);
        LuaStrings.Push(lua, value);
        lua.RawSet(-3);
    }

    // The table's field if it is a string.
    private static string? Field(Lua lua, int table, string name)
    {
        lua.CheckStack(2);
        lua.PushString(name);
        var text = lua.RawGet(table) == LuaType.String ? Text(lua, -1) : null;
        lua.Pop(1);
        return text;
    }

    // A status or error reply is one line on the wire: Redis turns CR and LF into spaces.
    private static string OneLine(string text) => text.Replace('\r', ' ').Replace('\n', ' ');
}
