using static ClusterGroups.Simulation.Keyspace.CommandArgs;

namespace ClusterGroups.Simulation.Keyspace;

internal static class HashCommands
{
    public static readonly CommandSpec[] All =
    [
        new("hget", 3, (k, a) => Reply.Bulk(Field(k, a[1], a[2]))),
        new("hmget", -3, (k, a) => Reply.Array([.. a.Skip(2).Select(f => Reply.Bulk(Field(k, a[1], f)))])),
        new("hset", -4, HSet),
        new("hmset", -4, HMSet),
        new("hsetnx", 4, HSetNx),
        new("hdel", -3, HDel),
        new("hincrby", 4, HIncrBy),
        new("hlen", 2, (k, a) => Reply.Integer(k.Find<HashTable>(a[1])?.Count ?? 0)),
        new("hexists", 3, (k, a) => Reply.Integer(k.Find<HashTable>(a[1])?.Contains(a[2]) == true ? 1 : 0)),
        new("hkeys", 2, (k, a) => Reply.Bulks(Entries(k, a[1]).Select(e => e.Key))),
        new("hvals", 2, (k, a) => Reply.Bulks(Entries(k, a[1]).Select(e => e.Value))),
        new("hgetall", 2, (k, a) => Reply.Bulks(Entries(k, a[1]).SelectMany(e => new[] { e.Key, e.Value }))),
        new("hscan", -3, HScan),
    ];

    private static string? Field(RedisKeyspace keyspace, string key, string field) =>
        keyspace.Find<HashTable>(key) is { } hash && hash.TryGetValue(field, out var value) ? value : null;

    private static IEnumerable<KeyValuePair<string, string>> Entries(RedisKeyspace keyspace, string key) =>
        keyspace.Find<HashTable>(key)?.Ordered ?? [];

    // HSET key field value [field value ...]: how many fields are new.
    private static Reply HSet(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        if (args.Count % 2 != 0)
        {
            return new ErrorReply(RedisErrors.Arity("hset"));
        }

        var hash = keyspace.FindOrAdd<HashTable>(args[1]);
        var added = 0;
        for (var i = 2; i < args.Count; i += 2)
        {
            added += hash.Set(args[i], args[i + 1]) ? 1 : 0;
        }

        return Reply.Integer(added);
    }

    private static Reply HMSet(RedisKeyspace keyspace, IReadOnlyList<string> args) =>
        args.Count % 2 != 0 ? new ErrorReply(RedisErrors.Arity("hmset")) : HSet(keyspace, args) is ErrorReply e ? e : Reply.Ok;

    private static Reply HSetNx(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        var hash = keyspace.FindOrAdd<HashTable>(args[1]);
        if (hash.Contains(args[2]))
        {
            return Reply.Zero;
        }

        hash.Set(args[2], args[3]);
        return Reply.One;
    }

    private static Reply HDel(RedisKeyspace keyspace, IReadOnlyList<string> args) =>
        Reply.Integer(keyspace.RemoveMembers<HashTable>(args[1], args.Skip(2), (hash, field) => hash.Remove(field), hash => hash.Count));

    // The new value. The increment is checked first, then the key's type, then the field's value.
    private static Reply HIncrBy(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        var increment = Long(args[3]);
        var hash = keyspace.FindOrAdd<HashTable>(args[1]);
        var value = hash.TryGetValue(args[2], out var text) ? Long(text, RedisErrors.HashNotInteger) : 0;
        var result = Add(value, increment);
        hash.Set(args[2], RedisNumbers.FormatLong(result));
        return Reply.Integer(result);
    }

    private static Reply HScan(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        var cursor = ScanArgs.Cursor(args[2]);
        return keyspace.Find<HashTable>(args[1]) is { } hash
            ? ScanArgs.Page(hash, cursor, args, e => [e.Key, e.Value])
            : ScanArgs.EmptyScan;
    }
}
