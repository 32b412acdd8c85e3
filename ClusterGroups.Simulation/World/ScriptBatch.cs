using StackExchange.Redis;

namespace ClusterGroups.Simulation.World;

// The items of a CoordinatorScripts.Batch, read from its KEYS and ARGV as the script reads them (ARGV[1] the number of
// items, then per item: its step, its number of keys, their positions in KEYS (1-based), its number of arguments, the
// arguments), named as the single scripts they run, so the checks see every item as they see a single script.
public static class ScriptBatch
{
    public const string Name = "CoordinatorScripts.Batch";

    public sealed record Item(string Script, RedisKey[] Keys, RedisValue[] Args);

    public static IReadOnlyList<Item> Items(RedisKey[] keys, RedisValue[] args)
    {
        var items = new List<Item>();
        var at = 1;
        for (var i = 0; i < (int)args[0]; i++)
        {
            var script = args[at].ToString() switch
            {
                "start" => "CoordinatorScripts.Start",
                "begin" => "CoordinatorScripts.Begin",
                "save" => "CoordinatorScripts.Save",
                var step => throw new InvalidOperationException($"a batch item of no known step: {step}"),
            };
            var keyCount = (int)args[at + 1];
            var itemKeys = args.Skip(at + 2).Take(keyCount).Select(position => keys[(int)position - 1]).ToArray();
            at += 2 + keyCount;
            var argCount = (int)args[at];
            items.Add(new Item(script, itemKeys, args[(at + 1)..(at + 1 + argCount)]));
            at += 1 + argCount;
        }

        return items;
    }
}
