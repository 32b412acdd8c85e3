using StackExchange.Redis;

namespace ClusterGroups.Simulation.World;

// A script the coordinator store ran, as the checks see it: its name, who sent it, its arguments, its answer, and the
// key it rewrites as it was just before (the operation's entry for Start, Begin and Save; the membership for
// ChangeMembership), all in the same atomic step as the script.
public sealed record ScriptServed(string Script, StoreCaller? Caller, RedisValue[] Args, StoreReply Reply, string? Before)
{
    public bool Applied => Reply.Result is { } result && Script switch
    {
        "CoordinatorScripts.Start" => result.Resp2Type == ResultType.Array && ((RedisResult[])result!)[0].ToString() == "begun",
        _ => result.Resp2Type == ResultType.Integer && (long)result == 1,
    };

    // The operation's id and entry as written, for the scripts that write one.
    public (string Id, string Entry)? Entry => Script switch
    {
        "CoordinatorScripts.Start" or "CoordinatorScripts.Begin" => (Args[5].ToString(), Args[4].ToString()),
        "CoordinatorScripts.Save" => (Args[3].ToString(), Args[2].ToString()),
        _ => null,
    };
}
