using ClusterGroups.Simulation.Runtime;
using ClusterGroups.Storage;
using StackExchange.Redis;

namespace ClusterGroups.Simulation.World;

// IRedisStore for one Api replica of the simulation: each script or command goes over the simulated network to the
// simulated coordinator store, which runs the coordinator's real scripts. No answer within the client's timeout (as
// StackExchange.Redis's) is StoreUnavailableException: the write may or may not have applied.
// `answered` sees each script this client got an answer to, as it arrives (the world's buggify hook); the store
// learns who sent each script (`caller`) for the checks.
// A planted bug (Plant.ScriptFor) may change the script sent; the store still knows it by the name of the one asked for.
public sealed class SimStoreClient(
    SimActor actor, SimNetwork network, SimStore store, TimeSpan timeout, Action<string, RedisValue[]> answered, StoreCaller? caller = null,
    Plant? plant = null) : IRedisStore
{
    public async Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args)
    {
        var name = ScriptNames.Of(script);
        var sent = plant?.ScriptFor(script) ?? script;
        var result = await CallAsync($"eval {name} {(keys.Length > 0 ? keys[0] : "")}", () => store.Evaluate(sent, keys, args, caller, name));
        if (name == ScriptBatch.Name)
        {
            // Each item of a batch answered, as its single script would have been (the buggify hooks look at them).
            foreach (var item in ScriptBatch.Items(keys, args))
            {
                answered(item.Script, item.Args);
            }
        }
        else
        {
            answered(name, args);
        }

        return result;
    }

    public Task<RedisResult> ExecuteAsync(string command, params RedisValue[] args) =>
        CallAsync($"{command} {(args.Length > 0 ? args[0] : "")}", () => store.Execute(command, args));

    private async Task<RedisResult> CallAsync(string what, Func<StoreReply> serve)
    {
        var reply = await network.CallAsync(actor, store.Name, what, () => store.Down, serve, () => StoreReply.Refused, timeout, ordered: true);
        return reply switch
        {
            null => throw new StoreUnavailableException($"Timeout awaiting response from {store.Name}"),
            { IsRefusal: true } => throw new StoreUnavailableException($"No connection is available to {store.Name}"),
            { Error: { } error } => throw error,
            _ => reply.Result!,
        };
    }
}

// What the simulated store answered (a class, so the network can tell "no answer" from an answer).
public sealed record StoreReply(RedisResult? Result, Exception? Error, bool IsRefusal = false)
{
    public static readonly StoreReply Refused = new(null, null, true);

    public override string ToString() => IsRefusal ? "refused" : Error is { } e ? $"error {e.Message}" : Describe(Result);

    private static string Describe(RedisResult? result) => result switch
    {
        null => "nil",
        { Resp2Type: ResultType.Array } => "[" + string.Join(", ", ((RedisResult[])result!).Select(Describe)) + "]",
        _ => result.IsNull ? "nil" : Shorten(result.ToString()),
    };

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
