namespace ClusterGroups.Simulation.Keyspace;

// The error replies of the commands the keyspace supports, in redis-server 7.0's words (the conformance tests compare
// them with Garnet's and redis-server's).
internal static class RedisErrors
{
    public const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public const string Syntax = "ERR syntax error";
    public const string NotInteger = "ERR value is not an integer or out of range";
    public const string HashNotInteger = "ERR hash value is not an integer";
    public const string Overflow = "ERR increment or decrement would overflow";
    public const string NotFloat = "ERR value is not a valid float";
    public const string MinMaxNotFloat = "ERR min or max is not a float";
    public const string InvalidCursor = "ERR invalid cursor";

    // Inside a script Redis words these two its own way (scriptCall).
    public const string UnknownInScript = "ERR Unknown Redis command called from script";
    public const string ArityInScript = "ERR Wrong number of args calling Redis command from script";

    public static string Arity(string command) => $"ERR wrong number of arguments for '{command.ToLowerInvariant()}' command";

    public static string InvalidExpire(string command) => $"ERR invalid expire time in '{command}' command";

    // "ERR unknown command 'x', with args beginning with: 'a' 'b' " (each argument quoted and followed by a space,
    // until the list passes 128 characters).
    public static string Unknown(IReadOnlyList<string> args)
    {
        var list = new System.Text.StringBuilder();
        for (var i = 1; i < args.Count && list.Length < 128; i++)
        {
            var room = 128 - list.Length;
            list.Append('\'').Append(args[i].Length > room ? args[i][..room] : args[i]).Append("' ");
        }

        return $"ERR unknown command '{args[0]}', with args beginning with: {list}";
    }
}
