namespace ClusterGroups.Simulation.Keyspace;

internal static class ServerCommands
{
    public static readonly CommandSpec[] All =
    [
        new("ping", -1, Ping) { FirstKey = 0 },
        new("time", 1, Time) { FirstKey = 0 },
    ];

    private static Reply Ping(RedisKeyspace keyspace, IReadOnlyList<string> args) => args.Count switch
    {
        1 => new StatusReply("PONG"),
        2 => Reply.Bulk(args[1]),
        _ => new ErrorReply(RedisErrors.Arity("ping")),
    };

    // Seconds and microseconds of the injected clock, as two bulk strings.
    private static Reply Time(RedisKeyspace keyspace, IReadOnlyList<string> args)
    {
        var now = keyspace.Time.GetUtcNow() - DateTimeOffset.UnixEpoch;
        var micros = now.Ticks / (TimeSpan.TicksPerMillisecond / 1000);
        return Reply.Bulks([RedisNumbers.FormatLong(micros / 1_000_000), RedisNumbers.FormatLong(micros % 1_000_000)]);
    }
}
