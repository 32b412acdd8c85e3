using static ClusterGroups.Simulation.Keyspace.CommandArgs;

namespace ClusterGroups.Simulation.Keyspace;

internal static class KeyCommands
{
    public static readonly CommandSpec[] All =
    [
        new("del", -2, Del) { LastKey = -1 },
        new("exists", -2, Exists) { LastKey = -1 },
        new("pexpire", -3, PExpire),
        new("pttl", 2, PTtl),
        new("type", 2, Type),
        new("keys", 2, Keys) { FirstKey = 0 },
    ];

    private static Reply Del(RedisKeyspace keyspace, IReadOnlyList<string> args) =>
        Reply.Integer(args.Skip(1).Count(keyspace.Delete));

    // A key named twice counts twice.
    private static Reply Exists(RedisKeyspace keyspace, IReadOnlyList<string> args) =>
        Reply.Integer(args.Skip(1).Count(keyspace.Exists));

    // PEXPIRE key ms [NX | XX | GT | LT]: 1 if the expiry was set (or the key deleted, for 0: a time not in the future),
    // 0 if the key does not exist or the condition refused it. No expiry counts as an infinite one for GT and LT.
    // A negative time is refused: redis-server deletes the key, Garnet refuses it (this error is Garnet's).
    private static Reply PExpire(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        var ms = Long(args[2]);
        if (ms < 0)
        {
            return new ErrorReply("ERR invalid expire time, must be >= 0");
        }

        bool nx = false, xx = false, gt = false, lt = false;
        foreach (var option in args.Skip(3))
        {
            if (Is(option, "NX")) nx = true;
            else if (Is(option, "XX")) xx = true;
            else if (Is(option, "GT")) gt = true;
            else if (Is(option, "LT")) lt = true;
            else return new ErrorReply($"ERR Unsupported option {option}");
        }

        if (nx && (xx || gt || lt))
        {
            return new ErrorReply("ERR NX and XX, GT or LT options at the same time are not compatible");
        }

        if (gt && lt)
        {
            return new ErrorReply("ERR GT and LT options at the same time are not compatible");
        }

        var now = keyspace.Now;
        if (ms > 0 && ms > long.MaxValue - now)
        {
            return new ErrorReply(RedisErrors.InvalidExpire("pexpire"));
        }

        var at = now + ms;
        if (!keyspace.Exists(args[1]))
        {
            return Reply.Zero;
        }

        var current = keyspace.ExpiresAt(args[1]);
        if ((nx && current is not null) || (xx && current is null)
            || (gt && (current is null || at <= current)) || (lt && current is { } c && at >= c))
        {
            return Reply.Zero;
        }

        if (at <= now)
        {
            keyspace.Delete(args[1]);
        }
        else
        {
            keyspace.Expire(args[1], at);
        }

        return Reply.One;
    }

    // -2: no such key; -1: no expiry; else the ms left.
    private static Reply PTtl(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        if (!keyspace.Exists(args[1]))
        {
            return Reply.Integer(-2);
        }

        return keyspace.ExpiresAt(args[1]) is { } at ? Reply.Integer(Math.Max(0, at - keyspace.Now)) : Reply.Integer(-1);
    }

    private static Reply Type(RedisKeyspace keyspace, IReadOnlyList<string> args) => new StatusReply(keyspace.Find(args[1]) switch
    {
        null => "none",
        string => "string",
        HashTable => "hash",
        SetTable => "set",
        SortedSetTable => "zset",
        var other => throw new InvalidOperationException($"unknown value type {other.GetType()}"),
    });

    private static Reply Keys(RedisKeyspace keyspace, IReadOnlyList<string> args) =>
        Reply.Bulks(keyspace.Keys.Where(key => GlobPattern.Matches(args[1], key)));
}
