using ClusterGroups.Api.Model;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.FanOut;

// Our nodes (ClusterGroups.Node): a write carries the operation's Idempotency-Key and fencing token; a read names the
// key of the write that made the group's state (X-Created-By / X-Deleted-By); a write's effect is learned by aborting
// its key, which answers atomically what that write had done, and afterwards a late copy of it never applies.
// Not sealed: the simulator plants a known bug by overriding one of its steps (ClusterGroups.Simulation, Plant).
public class KeyedDialect(NodeCalls calls, NodeRetry retry, FanOutTelemetry telemetry, ILogger<KeyedDialect> logger)
    : NodeDialect(calls, retry, telemetry, logger)
{
    public const string Id = "keyed";

    public override string Name => Id;

    // Abort the apply key (fenced with the run's token): the node answers what that write did.
    protected override async Task<(NodeEffect Effect, NodeCall Call)> AskAsync(NodeTurn turn, int attempt)
    {
        var op = turn.Op;
        var call = await Calls.WriteAsync(turn, Phase.Resolve, attempt,
            () => Calls.Client.AbortAsync(turn.Node, op.GroupId, op.Operation.ApplyKey, op.Fence, turn.Ct));
        return (call.AbortOutcome switch
        {
            AbortAnswer.Applied => NodeEffect.Applied,
            AbortAnswer.AlreadySo => NodeEffect.AlreadySo,
            AbortAnswer.Aborted => NodeEffect.NotApplied,
            _ => NodeEffect.Unknown,
        }, call);
    }

    public override Task<NodeEffect> LearnAsync(NodeTurn turn) => ResolveAsync(turn);

    protected override NodeEffect EffectOfDesiredState(NodeCall read, string key) =>
        read.WrittenBy == key ? NodeEffect.Applied : NodeEffect.AlreadySo;

    protected override bool SaysExists(NodeCall call) => call.Code == NodeCodes.Exists;

    // It counts as not applied only once the node has closed the door on the key (an abort).
    protected override Task<NodeEffect> ConfirmNotAppliedAsync(NodeTurn turn, OperationKind kind) =>
        kind == turn.Op.Kind ? ResolveAsync(turn) : Task.FromResult(NodeEffect.NotApplied);
}
