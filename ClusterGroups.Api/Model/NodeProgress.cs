namespace ClusterGroups.Api.Model;

// One node's part in an operation. Calls are added from the node's own step while the journal may snapshot them.
// Dialect: how the protocol speaks to this node for this operation ("keyed": our nodes, with keys, fences and aborts;
// "seed": nodes read before writing), chosen once and journaled, so recovery speaks to it the same way.
public sealed class NodeProgress(
    string name, NodeEffect effect = NodeEffect.Unknown, CompensationState compensation = CompensationState.NotNeeded,
    string? unreachable = null, string? dialect = null)
{
    private readonly List<CallRecord> _calls = [];

    public string Name { get; } = name;
    public NodeEffect Effect { get; private set; } = effect;
    public CompensationState Compensation { get; private set; } = compensation;

    // Why the node could not be reached for this operation at all (it is no longer in Cluster:Nodes), else null.
    public string? Unreachable { get; private set; } = unreachable;

    public string? Dialect { get; private set; } = dialect;

    // What the operation's write did here, as learned (steps 3 and 4).
    public void Learn(NodeEffect effect) => Effect = effect;

    // Where the node's undo stands (step 6).
    public void Compensate(CompensationState state) => Compensation = state;

    public void MarkUnreachable(string? why) => Unreachable = why;

    public void SpeakWith(string dialect) => Dialect = dialect;

    public double DurationMs
    {
        get
        {
            lock (_calls)
            {
                return _calls.Sum(c => c.Call.DurationMs);
            }
        }
    }

    public IReadOnlyList<CallRecord> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public CallRecord? LastCall
    {
        get
        {
            lock (_calls)
            {
                return _calls.Count == 0 ? null : _calls[^1];
            }
        }
    }

    public bool Called(Phase phase)
    {
        lock (_calls)
        {
            return _calls.Exists(c => c.Phase == phase);
        }
    }

    public void Record(CallRecord call)
    {
        lock (_calls)
        {
            _calls.Add(call);
        }
    }

    public void Restore(IEnumerable<CallRecord> calls)
    {
        lock (_calls)
        {
            _calls.AddRange(calls);
        }
    }
}
