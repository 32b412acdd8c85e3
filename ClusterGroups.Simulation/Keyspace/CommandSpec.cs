namespace ClusterGroups.Simulation.Keyspace;

// One command: its name, Redis' arity (n: exactly n words with the name; -n: at least n), what it does, and which of
// its words are keys (the first and the last, negative: from the end; first 0: none). args[0] is the name as sent.
internal sealed record CommandSpec(string Name, int Arity, Func<RedisKeyspace, IReadOnlyList<string>, Reply> Run)
{
    public int FirstKey { get; init; } = 1;
    public int LastKey { get; init; } = 1;

    public bool AcceptsCount(int count) => Arity >= 0 ? count == Arity : count >= -Arity;

    // The key words, as a range of args: checking them allocates nothing.
    public ArraySegment<string> Keys(string[] args)
    {
        var last = LastKey < 0 ? args.Length + LastKey : Math.Min(LastKey, args.Length - 1);
        return FirstKey == 0 ? ArraySegment<string>.Empty : new ArraySegment<string>(args, FirstKey, Math.Max(0, last - FirstKey + 1));
    }
}
