using System.Globalization;
using ClusterGroups.Storage;
using StackExchange.Redis;

namespace ClusterGroups.Tests.Storage;

// What a store holds after a case, read through IRedisStore the same way from every kind of store: every key (KEYS *),
// its type, its contents in a defined order (a hash's fields and a set's members sorted, a sorted set by score then
// member), and whether it expires (not how long it has left: that runs down while the dump is taken).
public static class StoreDump
{
    public static async Task<List<string>> ReadAsync(IRedisStore store)
    {
        var keys = ((RedisResult[])(await store.ExecuteAsync("KEYS", "*"))!).Select(k => (string)k!).Order(StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (var key in keys)
        {
            var type = (await store.ExecuteAsync("TYPE", key)).ToString();
            var contents = type switch
            {
                "string" => Answers.Render(await store.ExecuteAsync("GET", key)),
                "hash" => Sorted(await store.ExecuteAsync("HGETALL", key), 2),
                "set" => Sorted(await store.ExecuteAsync("SMEMBERS", key), 1),
                "zset" => Answers.Render(await store.ExecuteAsync("ZRANGE", key, 0, -1, "WITHSCORES")),
                _ => $"?{type}",
            };
            var ttl = (long)await store.ExecuteAsync("PTTL", key);
            lines.Add($"{key} {type}{(ttl >= 0 ? " (expires)" : "")}: {contents}");
        }

        return lines;
    }

    private static string Sorted(RedisResult reply, int width) =>
        $"[{string.Join(", ", ((RedisResult[])reply!).Select(Answers.Render).Chunk(width).Select(c => string.Join(" ", c)).Order(StringComparer.Ordinal))}]";

    public static string Format(IEnumerable<string> lines) =>
        string.Join("\n", lines.Select(line => line.Length > 400 ? $"{line[..400]}… ({line.Length.ToString(CultureInfo.InvariantCulture)} chars)" : line));
}
