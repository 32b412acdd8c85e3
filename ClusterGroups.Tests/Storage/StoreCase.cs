using System.Text;
using System.Text.RegularExpressions;
using ClusterGroups.Storage;
using StackExchange.Redis;

namespace ClusterGroups.Tests.Storage;

public enum StoreKind { InProcess, Garnet, RedisServer }

// Which real store a case runs on: a node's (node scripts, commands) or the coordinator's (its scripts). Both are
// Garnet as the AppHost starts them, or redis-server.
public enum StoreRole { Node, Coordinator }

// One thing a case does to a store, and its answer written down for comparison. Known: a real store that answers
// otherwise than the in-process one, with the answer it gives instead and why (see StoreConformanceTests).
public sealed record StoreStep(string Label, Func<IRedisStore, Task<string>> Run)
{
    public IReadOnlyDictionary<StoreKind, (string Answer, string Why)> Known { get; init; } =
        new Dictionary<StoreKind, (string, string)>();

    public StoreStep Except(StoreKind store, string answer, string why) =>
        this with { Known = new Dictionary<StoreKind, (string, string)>(Known) { [store] = (answer, why) } };
}

// A named list of steps, run on a fresh (flushed) store of each kind; the answers and the keyspace left behind are
// compared (StoreConformanceTests). Adding a case is one line in one of the *Cases classes. DeclaredKeysOnly: the
// in-process store refuses a script that touches a key not in its KEYS (as the simulator runs our scripts).
public sealed record StoreCase(string Name, StoreRole Role, IReadOnlyList<StoreStep> Steps)
{
    public StoreCase(string name, params StoreStep[] steps) : this(name, StoreRole.Node, steps)
    {
    }

    public bool DeclaredKeysOnly { get; init; }

    // A real store whose keyspace cannot be read back after this case, and why: only the answers are compared there.
    public (StoreKind Store, string Why)? NoDump { get; init; }

    public override string ToString() => Name;

    public async Task<List<string>> RunAsync(IRedisStore store)
    {
        var answers = new List<string>(Steps.Count);
        foreach (var step in Steps)
        {
            answers.Add(await step.Run(store));
        }

        return answers;
    }
}

// How answers are written down: the reply's RESP2 type and value, recursively. An error reply (thrown, or inside an
// array) is written without the " script: <sha1>, on @user_script:<line>." that redis-server adds to a script's error
// (where in the script, not what went wrong).
public static partial class Answers
{
    public static async Task<string> Of(Func<Task<RedisResult>> call)
    {
        try
        {
            return Render(await call());
        }
        catch (RedisServerException e)
        {
            return Error(e.Message);
        }
    }

    public static string Render(RedisResult result) => result.Resp2Type switch
    {
        ResultType.Integer => ((long)result).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ResultType.BulkString => result.IsNull ? "nil" : Quote((byte[])result!),
        ResultType.SimpleString => $"+{result}",
        ResultType.Error => Error(result.ToString()),
        ResultType.Array => result.IsNull ? "nil-array" : $"[{string.Join(", ", ((RedisResult[])result!).Select(Render))}]",
        var other => $"?{other}:{result}",
    };

    public static string Error(string message) => $"-{ScriptPosition().Replace(message, "")}";

    public static string Quote(byte[] bytes) =>
        Ascii.IsValid(bytes) ? $"\"{Encoding.ASCII.GetString(bytes)}\"" : $"0x{Convert.ToHexString(bytes)}";

    [GeneratedRegex(@" script: [0-9a-f]{40}, on @user_script:\d+\.$")]
    private static partial Regex ScriptPosition();
}
