using StackExchange.Redis;

namespace ClusterGroups.Simulation.Keyspace;

// A reply as StackExchange.Redis would have handed it over from a real store (RESP2): an error reply at the top is a
// RedisServerException, as RedisStore throws it.
internal static class ReplyResults
{
    public static Task<RedisResult> Complete(Reply reply) => reply is ErrorReply error
        ? Task.FromException<RedisResult>(new RedisServerException(error.Message))
        : Task.FromResult(ToResult(reply));

    public static RedisResult ToResult(Reply reply) => reply switch
    {
        IntegerReply integer => RedisResult.Create(integer.Value, ResultType.Integer),
        BulkReply bulk => RedisResult.Create(bulk.Value is null ? RedisValue.Null : ByteText.ToValue(bulk.Value), ResultType.BulkString),
        StatusReply status => RedisResult.Create(ByteText.ToValue(status.Value), ResultType.SimpleString),
        ErrorReply error => RedisResult.Create(ByteText.ToValue(error.Message), ResultType.Error),
        ArrayReply { Items: null } => RedisResult.Create((RedisResult[])null!),
        ArrayReply array => RedisResult.Create([.. array.Items!.Select(ToResult)]),
        _ => throw new InvalidOperationException($"unknown reply {reply}"),
    };
}
