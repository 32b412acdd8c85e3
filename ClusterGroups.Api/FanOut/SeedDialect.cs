using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.FanOut;

// Nodes that ignore Idempotency-Key and fencing tokens (the seed's Flask nodes): the node is read before the write,
// and that read is journaled before the write goes out, so an unknown answer can be attributed by reading (also by a
// recovery after a crash): in the desired state after a read that showed the other one, the write applied. Best
// effort against a late copy (nothing can refuse it here); the journal still fences a stale owner.
public sealed class SeedDialect(NodeCalls calls, NodeRetry retry, FanOutTelemetry telemetry, ILogger<SeedDialect> logger)
    : NodeDialect(calls, retry, telemetry, logger)
{
    public const string Id = "seed";

    public override string Name => Id;

    // The read before the write, journaled before the write goes out.
    protected override async Task<NodeEffect?> BeforeWriteAsync(NodeTurn turn)
    {
        var op = turn.Op;
        var before = await Calls.CallAsync(turn, Phase.ReadBefore, 1, () => Calls.Client.ReadAsync(turn.Node, op.GroupId, turn.Ct));
        if (before.Present == op.Operation.DesiredPresence)
        {
            return NodeEffect.AlreadySo;
        }

        if (before.Present is null)
        {
            return NodeEffect.NotApplied;
        }

        await turn.Run.SaveAsync(turn.Ct);
        return null;
    }

    // A read: the desired state now, after a read-before that showed the other one, means the write applied.
    protected override Task<(NodeEffect Effect, NodeCall Call)> AskAsync(NodeTurn turn, int attempt) =>
        ReadEffectAsync(turn, turn.Op.Kind, turn.Op.Operation.ApplyKey, Phase.Resolve, attempt);

    // Without a read-before in the journal, nothing was sent to it.
    public override Task<NodeEffect> LearnAsync(NodeTurn turn) =>
        turn.Progress.Called(Phase.ReadBefore) ? ResolveAsync(turn) : Task.FromResult(NodeEffect.NotApplied);

    protected override NodeEffect EffectOfDesiredState(NodeCall read, string key) => NodeEffect.Applied;

    // The weaker rule for nodes that cannot be fenced: the node is read. In the desired state: already so if the
    // journal's read-before said so, else applied (and not put back). Not in it: put back if the journal knew it
    // applied, else not applied. An earlier owner's write still on its way can land here after this; what that leaves
    // the reconciler sees as divergence.
    public override async Task TakeOverAsync(NodeTurn turn)
    {
        var progress = turn.Progress;
        var journaled = progress.Effect;
        var (effect, _) = await ReadUntilAnsweredAsync(turn);
        switch (effect)
        {
            case NodeEffect.Unknown:
                progress.Learn(NodeEffect.Unknown);
                progress.Compensate(CompensationState.NotNeeded);
                break;
            case NodeEffect.Applied:
                progress.Learn(journaled is NodeEffect.AlreadySo ? NodeEffect.AlreadySo : NodeEffect.Applied);
                progress.Compensate(CompensationState.NotNeeded);
                break;
            default:
                progress.Learn(journaled is NodeEffect.Applied ? NodeEffect.Applied : NodeEffect.NotApplied);
                progress.Compensate(journaled is NodeEffect.Applied ? CompensationState.Undone : CompensationState.NotNeeded);
                break;
        }
    }

    private async Task<(NodeEffect Effect, NodeCall? Read)> ReadUntilAnsweredAsync(NodeTurn turn)
    {
        (NodeEffect Effect, NodeCall? Read) known = (NodeEffect.Unknown, null);
        var attempt = 0;
        await Retry.ExecuteAsync(turn.Node.Name, Phase.TakeOver, async token =>
        {
            attempt++;
            known = await ReadEffectAsync(turn with { Ct = token }, turn.Op.Kind, turn.Op.Operation.ApplyKey, Phase.TakeOver, attempt);
            return known.Effect is NodeEffect.Unknown ? NodeStep.Again(known.Read?.RetryAfter) : NodeStep.Done;
        }, turn.Ct);
        return known;
    }
}
