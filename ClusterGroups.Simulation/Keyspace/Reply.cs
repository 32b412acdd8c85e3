namespace ClusterGroups.Simulation.Keyspace;

// One RESP2 reply, as a command of the keyspace gives it: to the caller (as a RedisResult, InProcessStore) or to a
// script (redis.call, LuaScripts). Texts are byte strings held one char per byte (ByteText).
internal abstract record Reply
{
    public static readonly Reply Nil = new BulkReply(null);
    public static readonly Reply NilArray = new ArrayReply(null);
    public static readonly Reply Ok = new StatusReply("OK");
    public static readonly Reply Zero = new IntegerReply(0);
    public static readonly Reply One = new IntegerReply(1);
    public static readonly Reply EmptyArray = new ArrayReply([]);

    public static Reply Integer(long value) => value switch { 0 => Zero, 1 => One, _ => new IntegerReply(value) };

    public static Reply Bulk(string? value) => value is null ? Nil : new BulkReply(value);

    public static Reply Array(IReadOnlyList<Reply> items) => items.Count == 0 ? EmptyArray : new ArrayReply(items);

    public static Reply Bulks(IEnumerable<string> values) => Array([.. values.Select(Bulk)]);
}

internal sealed record IntegerReply(long Value) : Reply;

// Value null: the nil bulk reply.
internal sealed record BulkReply(string? Value) : Reply;

internal sealed record StatusReply(string Value) : Reply;

internal sealed record ErrorReply(string Message) : Reply;

// Items null: the nil multi-bulk reply.
internal sealed record ArrayReply(IReadOnlyList<Reply>? Items) : Reply;
