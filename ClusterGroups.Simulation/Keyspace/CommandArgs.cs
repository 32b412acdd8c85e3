namespace ClusterGroups.Simulation.Keyspace;

// Argument parsing shared by the commands; a bad argument is the command's error reply.
internal static class CommandArgs
{
    public static long Long(string text, string error = RedisErrors.NotInteger) =>
        RedisNumbers.TryParseLong(text, out var value) ? value : throw new CommandException(error);

    public static double Double(string text) =>
        RedisNumbers.TryParseDouble(text, out var value) ? value : throw new CommandException(RedisErrors.NotFloat);

    public static bool Is(string arg, string option) => arg.Equals(option, StringComparison.OrdinalIgnoreCase);

    public static long Add(long value, long increment) =>
        (increment < 0 && value < 0 && increment < long.MinValue - value) || (increment > 0 && value > 0 && increment > long.MaxValue - value)
            ? throw new CommandException(RedisErrors.Overflow)
            : value + increment;

    // Redis' rank range: negative counts from the end; out of range is clipped; an empty range is null.
    public static (int Start, int Stop)? Ranks(long start, long stop, int length)
    {
        if (start < 0)
        {
            start += length;
        }

        if (stop < 0)
        {
            stop += length;
        }

        if (start < 0)
        {
            start = 0;
        }

        if (start > stop || start >= length)
        {
            return null;
        }

        return ((int)start, (int)Math.Min(stop, length - 1));
    }
}
