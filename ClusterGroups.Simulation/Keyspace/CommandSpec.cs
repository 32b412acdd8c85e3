namespace ClusterGroups.Simulation.Keyspace;

// One command: its name, Redis' arity (n: exactly n words with the name; -n: at least n), what it does, and which of
// its words are keys (Redis' first key, last key (negative: from the end), step; 0: none). args[0] is the name as sent.
internal sealed record CommandSpec(string Name, int Arity, Func<RedisKeyspace, IReadOnlyList<string>, Reply> Run)
{
    public int FirstKey { get; init; } = 1;
    public int LastKey { get; init; } = 1;

    public bool AcceptsCount(int count) => Arity >= 0 ? count == Arity : count >= -Arity;

    public IEnumerable<string> Keys(IReadOnlyList<string> args)
    {
        var last = LastKey < 0 ? args.Count + LastKey : Math.Min(LastKey, args.Count - 1);
        for (var i = FirstKey; FirstKey > 0 && i <= last; i++)
        {
            yield return args[i];
        }
    }
}
