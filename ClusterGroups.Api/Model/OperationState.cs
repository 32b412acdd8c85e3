namespace ClusterGroups.Api.Model;

// One operation as the protocol knows it while it runs (or while recovery drives it), and as the journal restores it.
// Nodes are known by name: the operation runs on the nodes it was begun with, whatever Cluster:Nodes says later.
// Its state changes only through the transitions below (lease, take over, decide, settle, abandon, finish), each
// named after the protocol step that makes it; one owner at a time runs them (the group's lease). Never serialized
// as it is: the journal keeps a JournalEntry (JournalFormat), callers get an OperationReport (OperationReports).
public sealed class OperationState
{
    private readonly Dictionary<string, NodeProgress> _byName;
    private readonly List<OperatorAction> _actions;

    // A new operation on these nodes (in Cluster:Nodes order), not yet leased or journaled.
    public OperationState(
        Operation operation, IEnumerable<NodeProgress> nodes, string? caller = null, string? traceParent = null, RequestKey? key = null)
        : this(operation, nodes, [], caller, traceParent, key)
    {
    }

    private OperationState(
        Operation operation, IEnumerable<NodeProgress> nodes, IEnumerable<OperatorAction> actions, string? caller, string? traceParent,
        RequestKey? key)
    {
        Operation = operation;
        Nodes = [.. nodes];
        _byName = Nodes.ToDictionary(n => n.Name, StringComparer.OrdinalIgnoreCase);
        _actions = [.. actions];
        Caller = caller;
        TraceParent = traceParent;
        Key = key;
    }

    // An operation as the journal recorded it (JournalFormat).
    public static OperationState Restore(
        Operation operation, IEnumerable<NodeProgress> nodes, Outcome outcome, DateTimeOffset startedAt, DateTimeOffset? endedAt,
        double durationMs, string? owner, long fence, int recoveries, DateTimeOffset? lastRecoveryAt, string? caller,
        string? traceParent, IEnumerable<OperatorAction> actions, bool rollingBack = false, RequestKey? key = null, long epoch = 0) =>
        new(operation, nodes, actions, caller, traceParent, key)
        {
            Epoch = epoch,
            Outcome = outcome,
            StartedAt = startedAt,
            EndedAt = endedAt,
            DurationMs = durationMs,
            Owner = owner,
            Fence = fence,
            Recoveries = recoveries,
            LastRecoveryAt = lastRecoveryAt,
            RollingBack = rollingBack,
        };

    public Operation Operation { get; }
    public string Id => Operation.Id;

    // The membership epoch the operation was planned and begun under (Membership): its Nodes are that epoch's
    // writable nodes. 0: the membership no one changed, or an entry from before membership was journaled.
    public long Epoch { get; init; }
    public OperationKind Kind => Operation.Kind;
    public string GroupId => Operation.GroupId;

    // When the operation was begun under its first lease.
    public DateTimeOffset StartedAt { get; private set; }

    // The lease owner that runs it now, and that lease's fencing token (0: none yet, e.g. read from a v1 entry).
    // Every node write carries Fence; the journal refuses a write whose Fence is below the group's current token.
    public string? Owner { get; private set; }
    public long Fence { get; private set; }

    // The caller key name that asked for the operation (audit); null when the Api has no keys.
    public string? Caller { get; }

    // The caller's Idempotency-Key, if it sent one: recorded by the coordinator with the operation's beginning.
    public RequestKey? Key { get; }

    // The W3C trace id of the operation's span, so a recovery's span can link to it.
    public string? TraceParent { get; }

    public Outcome Outcome { get; private set; } = Outcome.Running;

    // Its rollback has begun (on record before the first undo write): whoever takes it over never commits it.
    public bool RollingBack { get; private set; }
    public DateTimeOffset? EndedAt { get; private set; }
    public double DurationMs { get; private set; }

    // How often recovery took the operation over (its Api died, or its rollback was pending), and when it last tried.
    public int Recoveries { get; private set; }
    public DateTimeOffset? LastRecoveryAt { get; private set; }

    // Retries and abandons by operators, in order (each journaled with the caller key name).
    public IReadOnlyList<OperatorAction> Actions => _actions;

    // In the order the operation was begun with (Cluster:Nodes then).
    public IReadOnlyList<NodeProgress> Nodes { get; }

    public bool IsOpen => Outcome is Outcome.Running or Outcome.PendingRepair;

    public bool AllApplied => Nodes.All(n => n.Effect is NodeEffect.Applied or NodeEffect.AlreadySo);

    public NodeProgress? Node(string name) => _byName.GetValueOrDefault(name);

    public IEnumerable<NodeProgress> NodesWhere(Func<NodeProgress, bool> which) => Nodes.Where(which);

    // Steps 1 and 2: the operation is begun under its first lease (owner and token), at `at`.
    public void Lease(string owner, long fence, DateTimeOffset at) => (Owner, Fence, StartedAt) = (owner, fence, at);

    // A later owner takes the operation over with its own lease: recovery, an operator, or a new operation on the
    // group that must finish this one first. Writes of the earlier owner are refused from now on (by token).
    public void TakeOver(string owner, long fence) => (Owner, Fence) = (owner, fence);

    // Recovery drives it once more.
    public void BeginRecovery(DateTimeOffset at) => (Recoveries, LastRecoveryAt) = (Recoveries + 1, at);

    // 5. decide: every node applied or already so -> Committed (AlreadySo if none changed); true. Else false: undo.
    public bool Decide()
    {
        if (!AllApplied)
        {
            return false;
        }

        Outcome = Nodes.All(n => n.Effect is NodeEffect.AlreadySo) ? Outcome.AlreadySo : Outcome.Committed;
        return true;
    }

    // 6. undo begins: on record before any undo write goes out.
    public void BeginRollback() => RollingBack = true;

    // 6. undo, settled: RolledBack when no node's rollback is pending, else PendingRepair (recovery finishes it).
    public bool Settle()
    {
        var done = Nodes.All(n => n.Compensation != CompensationState.Pending);
        Outcome = done ? Outcome.RolledBack : Outcome.PendingRepair;
        return done;
    }

    // An operator gives a pending repair up on purpose: closed, no longer retried, the group stays divergent.
    public void Abandon(OperatorAction action)
    {
        _actions.Add(action);
        Outcome = Outcome.Abandoned;
        EndedAt = action.At;
    }

    public void Record(OperatorAction action) => _actions.Add(action);

    // 7. close, after the first run: answered at `at`, having taken `spent` (also when the answer is pending repair).
    public void Answered(DateTimeOffset at, TimeSpan spent) => (EndedAt, DurationMs) = (at, spent.TotalMilliseconds);

    // 7. close, after a recovery run that closed it: the time recovery spent is added.
    public void Resolved(DateTimeOffset at, TimeSpan spent)
    {
        if (!IsOpen)
        {
            (EndedAt, DurationMs) = (at, DurationMs + spent.TotalMilliseconds);
        }
    }
}
