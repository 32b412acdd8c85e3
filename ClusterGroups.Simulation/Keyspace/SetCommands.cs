namespace ClusterGroups.Simulation.Keyspace;

internal static class SetCommands
{
    public static readonly CommandSpec[] All =
    [
        new("sadd", -3, SAdd),
        new("srem", -3, SRem),
        new("sismember", 3, (k, a) => Reply.Integer(k.Find<SetTable>(a[1])?.Contains(a[2]) == true ? 1 : 0)),
        new("smembers", 2, (k, a) => Reply.Bulks(k.Find<SetTable>(a[1])?.Ordered.Select(m => m.Key) ?? [])),
        new("scard", 2, (k, a) => Reply.Integer(k.Find<SetTable>(a[1])?.Count ?? 0)),
        new("sscan", -3, SScan),
    ];

    private static Reply SAdd(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        var set = keyspace.FindOrAdd<SetTable>(args[1]);
        return Reply.Integer(args.Skip(2).Count(member => set.Set(member, true)));
    }

    private static Reply SRem(RedisKeyspace keyspace, IReadOnlyList<string> args) =>
        Reply.Integer(keyspace.RemoveMembers<SetTable>(args[1], args.Skip(2), (set, member) => set.Remove(member), set => set.Count));

    private static Reply SScan(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        var cursor = ScanArgs.Cursor(args[2]);
        return keyspace.Find<SetTable>(args[1]) is { } set ? ScanArgs.Page(set, cursor, args, m => [m.Key]) : ScanArgs.EmptyScan;
    }
}
