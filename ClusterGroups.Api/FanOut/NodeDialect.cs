using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.FanOut;

// How the protocol speaks to one kind of node: it owns the node's part of steps 3 (apply), 4 (resolve) and 6 (undo).
// Two kinds (NodeDialects chooses one per node, once, and the operation journals it):
//   KeyedDialect  our nodes: every write carries an Idempotency-Key and a fencing token; a write's effect is learned
//                 by aborting its key (the node answers what it did, and a late copy never applies);
//   SeedDialect   nodes that ignore keys (the seed's Flask nodes): read before the write, and read after it.
// What is the same for both is here: a write sent until its effect is known, how its answer is read, and the undo.
public abstract class NodeDialect(NodeCalls calls, NodeRetry retry, FanOutTelemetry telemetry, ILogger logger)
{
    protected NodeCalls Calls => calls;
    protected NodeRetry Retry => retry;

    // The name journaled with the operation for this node ("keyed", "seed").
    public abstract string Name { get; }

    // 3. apply the operation's write on this node; its effect (step 4 inside when the answer is lost).
    public async Task<NodeEffect> ApplyAsync(NodeTurn turn)
    {
        using var activity = FanOutTelemetry.StartNodeStep(Phase.Apply, turn.Node.Name);
        var effect = await BeforeWriteAsync(turn) ?? await WriteUntilKnownAsync(turn, turn.Op.Kind, turn.Op.Operation.ApplyKey, Phase.Apply);
        activity?.SetTag("clustergroups.effect", effect.ToString());
        return effect;
    }

    // What must be known or recorded before the write goes out; an effect when no write is needed (or possible).
    protected virtual Task<NodeEffect?> BeforeWriteAsync(NodeTurn turn) => Task.FromResult<NodeEffect?>(null);

    // 4. resolve: what the operation's write did on this node, asked until the node says (or the tries run out).
    public async Task<NodeEffect> ResolveAsync(NodeTurn turn)
    {
        var effect = NodeEffect.Unknown;
        var attempt = 0;
        await retry.ExecuteAsync(turn.Node.Name, Phase.Resolve, async token =>
        {
            attempt++;
            (effect, var call) = await AskAsync(turn with { Ct = token }, attempt);
            return effect is NodeEffect.Unknown ? NodeStep.Again(call.RetryAfter) : NodeStep.Done;
        }, turn.Ct);
        return effect;
    }

    // One question of step 4: what did the operation's write do here?
    protected abstract Task<(NodeEffect Effect, NodeCall Call)> AskAsync(NodeTurn turn, int attempt);

    // 4., for an operation an Api that died left running: the effect of a node it left unknown (the takeover rule before
    // issue 23; the simulator's planted bug takeover-trusts-journal still uses it).
    public abstract Task<NodeEffect> LearnAsync(NodeTurn turn);

    // A takeover (Takeover): where the operation stands on this node, learned anew under the new owner's token, whatever
    // the earlier owner journaled: the node's effect and whether the operation's undo is done there.
    public abstract Task TakeOverAsync(NodeTurn turn);

    // What a read in the state a write with `key` wanted says about that write: it did it, or the node was already so.
    protected abstract NodeEffect EffectOfDesiredState(NodeCall read, string key);

    // A create refused with 400: does the node say exactly that the group exists? Otherwise a read decides.
    protected virtual bool SaysExists(NodeCall call) => false;

    // "Not applied" after an answer that never came: a copy of the write may still be on its way.
    protected virtual Task<NodeEffect> ConfirmNotAppliedAsync(NodeTurn turn, OperationKind kind) => Task.FromResult(NodeEffect.NotApplied);

    // 6. undo, on this node: learn what the operation did if that is still unknown (4), then put it back with the
    // inverse write (its own key). Already so counts as undone: the node is back in the state it had before.
    public async Task UndoAsync(NodeTurn turn)
    {
        using var activity = FanOutTelemetry.StartNodeStep(Phase.Compensate, turn.Node.Name);
        var progress = turn.Progress;
        if (progress.Effect is NodeEffect.Unknown)
        {
            // The dialect's own rule for what an unknown write did (a seed node with no read-before on record was
            // never written, whatever it holds now), as a takeover learns it.
            progress.Learn(await LearnAsync(turn));
        }

        if (progress.Effect is not NodeEffect.Applied)
        {
            progress.Compensate(progress.Effect is NodeEffect.Unknown ? CompensationState.Pending : CompensationState.NotNeeded);
        }
        else
        {
            var undo = await WriteUntilKnownAsync(turn, turn.Op.Operation.Inverse, turn.Op.Operation.UndoKey, Phase.Compensate);
            progress.Compensate(undo is NodeEffect.Applied or NodeEffect.AlreadySo ? CompensationState.Undone : CompensationState.Pending);
        }

        telemetry.RecordCompensation(activity, turn.Node.Name, progress.Compensation);
        FanOutLog.Compensation(logger, turn.Op, progress);
    }

    // Sends one write until its effect on the node is known, or the tries run out. After an answer that does not say
    // what happened, the node is asked (read, step 4) before anything is sent again, at once; only a node known not
    // to have applied the write gets it again (with the same key, so even a late first copy cannot apply twice).
    protected async Task<NodeEffect> WriteUntilKnownAsync(NodeTurn turn, OperationKind kind, string key, Phase phase)
    {
        var effect = NodeEffect.NotApplied;
        var unknown = false;
        var inDoubt = false;
        var attempt = 0;
        var verify = phase == Phase.Apply ? Phase.ApplyVerify : Phase.CompensateVerify;
        var (op, node) = (turn.Op, turn.Node);

        await retry.ExecuteAsync(node.Name, phase, async token =>
        {
            attempt++;
            var step = turn with { Ct = token };
            if (unknown)
            {
                var (known, read) = await ReadEffectAsync(step, kind, key, verify, attempt);
                if (known is NodeEffect.Unknown)
                {
                    return NodeStep.Again(read.RetryAfter);
                }

                if (known is not NodeEffect.NotApplied)
                {
                    effect = known;
                    return NodeStep.Done;
                }

                unknown = false;
            }

            var call = await calls.WriteAsync(step, phase, attempt, () => kind == OperationKind.Create
                ? calls.Client.CreateAsync(node, op.GroupId, key, op.Fence, token)
                : calls.Client.DeleteAsync(node, op.GroupId, key, op.Fence, token));

            switch (await InterpretAsync(step, kind, verify, attempt, call))
            {
                case Answer.Done:
                    effect = NodeEffect.Applied;
                    return NodeStep.Done;
                case Answer.AlreadySo:
                    effect = NodeEffect.AlreadySo;
                    return NodeStep.Done;
                case Answer.Refused:
                    effect = NodeEffect.NotApplied;
                    return NodeStep.Done;
                case Answer.NotSent:
                    return NodeStep.Again(call.RetryAfter);
                default:
                    // The answer was lost: the next try asks the node what the write did, at once.
                    unknown = inDoubt = true;
                    return NodeStep.AskAtOnce(call.RetryAfter);
            }
        }, turn.Ct);

        if (effect is NodeEffect.NotApplied && unknown)
        {
            return NodeEffect.Unknown;
        }

        return effect is NodeEffect.NotApplied && inDoubt ? await ConfirmNotAppliedAsync(turn, kind) : effect;
    }

    // What the write with this key did, from one read: absent of the desired state -> not applied; in it -> what the
    // dialect reads into it; no answer -> unknown.
    protected async Task<(NodeEffect Effect, NodeCall Read)> ReadEffectAsync(NodeTurn turn, OperationKind kind, string key, Phase phase, int attempt)
    {
        var read = await calls.CallAsync(turn, phase, attempt, () => calls.Client.ReadAsync(turn.Node, turn.Op.GroupId, turn.Ct));
        var effect = read.Present switch
        {
            null => NodeEffect.Unknown,
            var present when present != (kind == OperationKind.Create) => NodeEffect.NotApplied,
            _ => EffectOfDesiredState(read, key),
        };
        return (effect, read);
    }

    private enum Answer { Done, AlreadySo, NotSent, Unknown, Refused }

    // What a write's answer says about its effect: create 201/200 and delete 200/204 done; delete 404 already so; a
    // create's 400 "exists" already so (any other 400 is checked by a read); 429 and nothing sent: again; 408 and
    // 5xx unknown; anything else refused.
    private async Task<Answer> InterpretAsync(NodeTurn turn, OperationKind kind, Phase verify, int attempt, NodeCall call)
    {
        switch (call.Status)
        {
            case null:
                return call.NotSent ? Answer.NotSent : Answer.Unknown;
            case 201 or 200 when kind == OperationKind.Create:
            case 200 or 204 when kind == OperationKind.Delete:
                return Answer.Done;
            case 404 when kind == OperationKind.Delete:
                return Answer.AlreadySo;
            case 400 when kind == OperationKind.Create:
                if (SaysExists(call))
                {
                    return Answer.AlreadySo;
                }

                var read = await calls.CallAsync(turn, verify, attempt, () => calls.Client.ReadAsync(turn.Node, turn.Op.GroupId, turn.Ct));
                return read.Present switch { true => Answer.AlreadySo, false => Answer.Refused, _ => Answer.Unknown };
            case 429:
                return Answer.NotSent;
            case 408 or >= 500:
                return Answer.Unknown;
            default:
                return Answer.Refused;
        }
    }
}
