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

    // The node is fenced with the new token (an earlier owner's writes still on their way are refused from now on) and
    // says what the operation's two keys did: the apply key's record is the node's effect, the undo key's whether it
    // was put back. (The apply key's record alone would mislead: a node the earlier owner already undid still answers
    // "applied" for it.) No answer: unknown, never what the journal said.
    public override async Task TakeOverAsync(NodeTurn turn)
    {
        var op = turn.Op;
        NodeCall? answer = null;
        var attempt = 0;
        await Retry.ExecuteAsync(turn.Node.Name, Phase.TakeOver, async token =>
        {
            attempt++;
            var call = await Calls.WriteAsync(turn with { Ct = token }, Phase.TakeOver, attempt, () => Calls.Client.TakeOverAsync(
                turn.Node, op.GroupId, op.Operation.ApplyKey, op.Operation.UndoKey, op.Fence, token));
            answer = call.ApplyRecord is null ? null : call;
            return answer is null ? NodeStep.Again(call.RetryAfter) : NodeStep.Done;
        }, turn.Ct);

        if (answer is null)
        {
            turn.Progress.Learn(NodeEffect.Unknown);
            turn.Progress.Compensate(CompensationState.NotNeeded);
            return;
        }

        turn.Progress.Learn(KeyRecords.Effect(answer.ApplyRecord!, op.Kind));
        turn.Progress.Compensate(turn.Progress.Effect is NodeEffect.Applied
            && KeyRecords.Effect(answer.UndoRecord, op.Operation.Inverse) is NodeEffect.Applied or NodeEffect.AlreadySo
                ? CompensationState.Undone
                : CompensationState.NotNeeded);
    }

    protected override NodeEffect EffectOfDesiredState(NodeCall read, string key) =>
        read.WrittenBy == key ? NodeEffect.Applied : NodeEffect.AlreadySo;

    protected override bool SaysExists(NodeCall call) => call.Code == NodeCodes.Exists;

    // It counts as not applied only once the node has closed the door on the key (an abort).
    protected override Task<NodeEffect> ConfirmNotAppliedAsync(NodeTurn turn, OperationKind kind) =>
        kind == turn.Op.Kind ? ResolveAsync(turn) : Task.FromResult(NodeEffect.NotApplied);
}
