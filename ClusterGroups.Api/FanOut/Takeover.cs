using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.FanOut;

// How a run that takes an open operation over (recovery, an operator's retry, a new operation on the group that must
// finish it first) learns where it stands (docs/ARCHITECTURE.md, "Takeover"). An earlier owner may have done more than
// it journaled, and may still have writes on their way (docs/DESIGN, hazard 4): so every node of the operation is asked
// anew, in its dialect, under the new owner's token: ours are fenced first (no earlier owner's write applies there any
// more) and tell what both of the operation's keys did; nothing the earlier owner journaled of a node is trusted. And an
// operation whose rollback is on record (OperationState.RollingBack, saved before the first undo write) is never
// committed: some undo may have landed. Not sealed: the simulator plants the rule before this one to show it finds it.
public class Takeover(NodeDialects dialects)
{
    // Which of the operation's nodes are asked.
    public virtual bool Asks(OperationState op, NodeProgress node) => true;

    public virtual async Task LearnAsync(NodeTurn turn)
    {
        if (await dialects.ForAsync(turn) is { } dialect)
        {
            await dialect.TakeOverAsync(turn);
        }
        else
        {
            turn.Progress.Learn(NodeEffect.Unknown);
        }
    }

    // Whether the operation may be committed if every node applied.
    public virtual bool MayCommit(OperationState op) => !op.RollingBack;
}
