using static ClusterGroups.Simulation.Keyspace.CommandArgs;

namespace ClusterGroups.Simulation.Keyspace;

// HSCAN / SSCAN key cursor [MATCH pattern] [COUNT n], read in Redis' order: the cursor first (before the key is looked
// up), the options after (a missing key answers an empty scan whatever they say). COUNT is a hint (default 10);
// MATCH filters the page after it was taken, so a page may come back empty with a cursor to go on from.
internal static class ScanArgs
{
    public static readonly Reply EmptyScan = Reply.Array([Reply.Bulk("0"), Reply.EmptyArray]);

    public static ulong Cursor(string text) =>
        RedisNumbers.TryParseUnsigned(text, out var cursor) ? cursor : throw new CommandException(RedisErrors.InvalidCursor);

    public static (int Count, string? Pattern) Options(IReadOnlyList<string> args)
    {
        var (count, pattern) = (10L, (string?)null);
        for (var i = 3; i < args.Count; i += 2)
        {
            if (Is(args[i], "COUNT") && i + 1 < args.Count)
            {
                count = Long(args[i + 1]);
                if (count < 1)
                {
                    throw new CommandException(RedisErrors.Syntax);
                }
            }
            else if (Is(args[i], "MATCH") && i + 1 < args.Count)
            {
                pattern = args[i + 1];
            }
            else
            {
                throw new CommandException(RedisErrors.Syntax);
            }
        }

        return ((int)Math.Min(count, int.MaxValue), pattern);
    }

    public static Reply Page<TValue>(MemberTable<TValue> table, ulong cursor, IReadOnlyList<string> args, Func<KeyValuePair<string, TValue>, IEnumerable<string>> words)
    {
        var (count, pattern) = Options(args);
        var (next, page) = table.Scan(cursor, count);
        var found = page.Where(member => pattern is null || GlobPattern.Matches(pattern, member.Key)).SelectMany(words);
        return Reply.Array([Reply.Bulk(next.ToString(System.Globalization.CultureInfo.InvariantCulture)), Reply.Bulks(found)]);
    }
}
