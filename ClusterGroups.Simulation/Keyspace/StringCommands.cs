using static ClusterGroups.Simulation.Keyspace.CommandArgs;

namespace ClusterGroups.Simulation.Keyspace;

internal static class StringCommands
{
    public static readonly CommandSpec[] All =
    [
        new("get", 2, Get),
        new("set", -3, Set),
        new("mget", -2, MGet) { LastKey = -1 },
        new("incr", 2, (k, a) => IncrBy(k, a[1], 1)),
        new("incrby", 3, (k, a) => IncrBy(k, a[1], Long(a[2]))),
        new("decr", 2, (k, a) => IncrBy(k, a[1], -1)),
        new("decrby", 3, (k, a) => DecrBy(k, a[1], Long(a[2]))),
    ];

    private static Reply Get(RedisKeyspace keyspace, IReadOnlyList<string> args) => Reply.Bulk(keyspace.Find<string>(args[1]));

    // SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL]: OK, or nil when NX / XX refused it;
    // with GET the old value instead (WRONGTYPE if it is not a string). A new value drops the old expiry unless KEEPTTL.
    private static Reply Set(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        bool nx = false, xx = false, get = false, keepTtl = false;
        string? unit = null, amount = null;
        for (var i = 3; i < args.Count; i++)
        {
            var option = args[i];
            var hasNext = i + 1 < args.Count;
            if (Is(option, "NX") && !xx) nx = true;
            else if (Is(option, "XX") && !nx) xx = true;
            else if (Is(option, "GET")) get = true;
            else if (Is(option, "KEEPTTL") && unit is null) keepTtl = true;
            else if ((Is(option, "EX") || Is(option, "PX") || Is(option, "EXAT") || Is(option, "PXAT")) && unit is null && !keepTtl && hasNext)
            {
                unit = option.ToUpperInvariant();
                amount = args[++i];
            }
            else return new ErrorReply(RedisErrors.Syntax);
        }

        // The options are read first (a syntax error wins), then the expiry's number.
        var at = unit is null ? (long?)null : ExpiryOf(keyspace.Now, unit, Long(amount!));

        var old = keyspace.Find(args[1]);
        if (get && old is not null and not string)
        {
            return new ErrorReply(RedisErrors.WrongType);
        }

        var reply = get ? Reply.Bulk(old as string) : Reply.Ok;
        if ((nx && old is not null) || (xx && old is null))
        {
            return get ? reply : Reply.Nil;
        }

        var ttl = keepTtl ? keyspace.ExpiresAt(args[1]) : at;
        keyspace.Put(args[1], args[2], ttl);
        return reply;
    }

    private static long ExpiryOf(long now, string unit, long amount)
    {
        var invalid = new CommandException(RedisErrors.InvalidExpire("set"));
        if (amount <= 0 || (unit is "EX" or "EXAT" && amount > long.MaxValue / 1000))
        {
            throw invalid;
        }

        var ms = unit is "EX" or "EXAT" ? amount * 1000 : amount;
        if (unit is "EXAT" or "PXAT")
        {
            return ms;
        }

        return ms > long.MaxValue - now ? throw invalid : now + ms;
    }

    private static Reply MGet(RedisKeyspace keyspace, IReadOnlyList<string> args) =>
        Reply.Array([.. args.Skip(1).Select(key => Reply.Bulk(keyspace.Find(key) as string))]);

    private static Reply DecrBy(RedisKeyspace keyspace, string key, long decrement) =>
        decrement == long.MinValue ? new ErrorReply("ERR decrement would overflow") : IncrBy(keyspace, key, -decrement);

    // The new value; the key's expiry stays.
    private static Reply IncrBy(RedisKeyspace keyspace, string key, long increment)
    {
        var text = keyspace.Find<string>(key);
        var value = text is null ? 0 : Long(text);
        var result = Add(value, increment);
        keyspace.Replace(key, RedisNumbers.FormatLong(result));
        return Reply.Integer(result);
    }
}
