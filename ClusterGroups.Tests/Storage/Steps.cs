using System.Globalization;
using ClusterGroups.Node.Groups;
using ClusterGroups.Storage;
using StackExchange.Redis;

namespace ClusterGroups.Tests.Storage;

// The steps a case is written in. Where stores may rightly differ (the order of HKEYS, a scan's cursors, a TTL's
// last milliseconds, the clock), the step writes down only what Redis promises.
public static class Steps
{
    // One command, its reply as it is.
    public static StoreStep Cmd(string command, params object[] args) =>
        new(Label(command, args), store => Answers.Of(() => store.ExecuteAsync(command, Values(args))));

    // One command whose array reply has no defined order (HKEYS, SMEMBERS, KEYS): compared sorted. pairs: HGETALL's
    // field, value pairs, sorted by field.
    public static StoreStep Unordered(string command, params object[] args) => Sorted(command, 1, args);

    public static StoreStep UnorderedPairs(string command, params object[] args) => Sorted(command, 2, args);

    private static StoreStep Sorted(string command, int width, object[] args) =>
        new($"{Label(command, args)} (any order)", async store =>
        {
            try
            {
                var items = ((RedisResult[])(await store.ExecuteAsync(command, Values(args)))!).Select(Answers.Render).ToList();
                return $"[{string.Join(", ", items.Chunk(width).Select(c => string.Join(" ", c)).Order(StringComparer.Ordinal))}]";
            }
            catch (RedisServerException e)
            {
                return Answers.Error(e.Message);
            }
        });

    // A script with its KEYS and ARGV, its reply as it is.
    public static StoreStep Eval(string script, RedisKey[] keys, params object[] args) =>
        new($"EVAL {FirstLine(script)} {Label("KEYS", keys.Select(k => (object)k.ToString()).ToArray())} {Label("ARGV", args)}",
            store => Answers.Of(() => store.EvaluateAsync(script, keys, Values(args))));

    public static StoreStep Eval(string script) => Eval(script, []);

    // PTTL: -2 and -1 as they are; a time left is written as within (0, upTo] ms, since it runs down while the case runs.
    public static StoreStep Ttl(string key, long upTo) =>
        new($"PTTL {key} (0, {upTo}]", async store =>
        {
            var ms = (long)await store.ExecuteAsync("PTTL", key);
            return ms is > 0 && ms <= upTo ? $"within (0, {upTo}]" : ms.ToString(CultureInfo.InvariantCulture);
        });

    // TIME: two bulk strings, seconds and microseconds, the seconds within a minute of this clock.
    public static StoreStep Time() =>
        new("TIME (shape; within a minute of now)", async store =>
        {
            var parts = (RedisResult[])(await store.ExecuteAsync("TIME"))!;
            var seconds = long.Parse((string)parts[0]!, CultureInfo.InvariantCulture);
            var micros = long.Parse((string)parts[1]!, CultureInfo.InvariantCulture);
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            return $"{parts.Length} parts, {parts[0].Resp2Type}, now: {Math.Abs(seconds - now) < 60}, micros < 1e6: {micros is >= 0 and < 1_000_000}";
        });

    // A whole HSCAN / SSCAN walk from cursor 0 to 0: what it returned (sorted, repeats removed), never the cursors or
    // pages, which differ between stores (Redis answers a small hash in one page; COUNT is a hint).
    public static StoreStep Scan(string command, string key, int count, string? match = null) =>
        new($"{command} {key} walk COUNT {count}{(match is null ? "" : $" MATCH {match}")}", async store =>
        {
            var width = command.Equals("HSCAN", StringComparison.OrdinalIgnoreCase) ? 2 : 1;
            var seen = new SortedSet<string>(StringComparer.Ordinal);
            var cursor = "0";
            for (var pages = 0; pages < 10_000; pages++)
            {
                object[] args = match is null ? [key, cursor, "COUNT", count] : [key, cursor, "MATCH", match, "COUNT", count];
                RedisResult[] reply;
                try
                {
                    reply = (RedisResult[])(await store.ExecuteAsync(command, Values(args)))!;
                }
                catch (RedisServerException e)
                {
                    return Answers.Error(e.Message);
                }

                foreach (var item in ((RedisResult[])reply[1]!).Select(Answers.Render).Chunk(width))
                {
                    seen.Add(string.Join(" ", item));
                }

                cursor = (string)reply[0]!;
                if (cursor == "0")
                {
                    return $"{seen.Count}: [{string.Join(", ", seen)}]";
                }
            }

            return "the walk did not end in 10 000 pages";
        });

    // The node's real store code (GroupStore: its scripts and reads) over the store; the answer written as text.
    public static StoreStep Groups(string label, Func<GroupStore, Task<object?>> action) =>
        new($"node: {label}", async store =>
        {
            try
            {
                return Describe(await action(new GroupStore(store)));
            }
            catch (RedisServerException e)
            {
                return Answers.Error(e.Message);
            }
        });

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string text => text,
        System.Collections.IEnumerable items => $"[{string.Join(", ", items.Cast<object?>().Select(Describe))}]",
        _ => value.ToString() ?? "",
    };

    public static RedisValue[] Values(object[] args) => [.. args.Select(Value)];

    private static RedisValue Value(object arg) => arg switch
    {
        RedisValue value => value,
        string text => text,
        long number => number,
        int number => number,
        byte[] bytes => bytes,
        _ => throw new ArgumentException($"not a command argument: {arg}"),
    };

    private static string Label(string command, object[] args)
    {
        var text = string.Join(" ", args.Select(a => a.ToString()));
        return text.Length > 120 ? $"{command} {text[..120]}… ({args.Length} args)" : $"{command} {text}";
    }

    private static string FirstLine(string script)
    {
        var line = script.Split('\n')[0].Trim();
        return line.Length > 60 ? $"{line[..60]}…" : line;
    }
}
