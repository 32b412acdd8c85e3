namespace ClusterGroups.Simulation.Keyspace;

// The one command dispatcher: InProcessStore.ExecuteAsync and redis.call / redis.pcall in a script both come here.
// The subset is what the node's and the coordinator's scripts and store code use (docs/ARCHITECTURE.md, "The
// simulated store"); any other command gets Redis' unknown-command error.
internal static class KeyspaceCommands
{
    private static readonly Dictionary<string, CommandSpec> Table =
        new IEnumerable<CommandSpec>[]
        {
            ServerCommands.All, KeyCommands.All, StringCommands.All, HashCommands.All, SetCommands.All, SortedSetCommands.All,
        }.SelectMany(specs => specs).ToDictionary(spec => spec.Name, StringComparer.OrdinalIgnoreCase);

    public static IEnumerable<string> Names => Table.Keys.Order(StringComparer.Ordinal);

    // args[0] is the command's name. A script's call words two errors its own way (RedisErrors). declaredKeys: a
    // script's KEYS, when it may touch no other key (LuaScripts).
    public static Reply Execute(RedisKeyspace keyspace, string[] args, bool fromScript = false, IReadOnlySet<string>? declaredKeys = null)
    {
        if (!Table.TryGetValue(args[0], out var spec))
        {
            return new ErrorReply(fromScript ? RedisErrors.UnknownInScript : RedisErrors.Unknown(args));
        }

        if (!spec.AcceptsCount(args.Length))
        {
            return new ErrorReply(fromScript ? RedisErrors.ArityInScript : RedisErrors.Arity(spec.Name));
        }

        if (declaredKeys is not null && Undeclared(spec, args, declaredKeys) is { } undeclared)
        {
            return new ErrorReply($"ERR script touched key '{undeclared}', which is not in its KEYS: Garnet (--lua-transaction-mode) locks only KEYS, so the script would not be atomic there");
        }

        try
        {
            return spec.Run(keyspace, args);
        }
        catch (CommandException e)
        {
            return new ErrorReply(e.Message);
        }
    }

    private static string? Undeclared(CommandSpec spec, string[] args, IReadOnlySet<string> declared)
    {
        foreach (var key in spec.Keys(args))
        {
            if (!declared.Contains(key))
            {
                return key;
            }
        }

        return null;
    }
}
