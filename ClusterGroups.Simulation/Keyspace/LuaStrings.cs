using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using KeraLua;

namespace ClusterGroups.Simulation.Keyspace;

// Strings between .NET (ByteText: one char per byte) and Lua, straight through Lua's own C API on spans: KeraLua's
// PushBuffer / ToBuffer take and make a byte[] per value, and a script passes dozens of values each run.
internal static unsafe partial class LuaStrings
{
    // The native library KeraLua loads (its package brings it for each runtime).
    private const string Library = "lua54";

    public static void Push(Lua lua, string text)
    {
        var length = Encoding.Latin1.GetByteCount(text);
        byte[]? rented = null;
        var bytes = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        Encoding.Latin1.GetBytes(text, bytes);
        fixed (byte* pointer = bytes)
        {
            lua_pushlstring(lua.Handle, pointer, (nuint)length);
        }

        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // The string at the index (a string, never a number: lua_tolstring would turn a number on the stack into a string).
    public static string Read(Lua lua, int index)
    {
        var pointer = lua_tolstring(lua.Handle, index, out var length);
        return pointer is null ? "" : Encoding.Latin1.GetString(pointer, checked((int)length));
    }

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial byte* lua_pushlstring(IntPtr state, byte* text, nuint length);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial byte* lua_tolstring(IntPtr state, int index, out nuint length);
}
