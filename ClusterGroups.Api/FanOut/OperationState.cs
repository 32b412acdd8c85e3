namespace ClusterGroups.Api.FanOut;

// The protocol's working state of one operation while it runs (or while recovery drives it): mutable, owned by one
// protocol run at a time (the group's lease), with node steps running in parallel. Nodes are known by name: the
// operation runs on the nodes it was begun with, whatever Cluster:Nodes says later.
// It is never serialized as it is: the journal keeps a JournalEntry (JournalFormat), callers get an OperationReport
// (OperationReports); each mapping lives in one place.
public sealed class OperationState
{
    private readonly Dictionary<string, NodeProgress> _byName;

    public OperationState(Operation operation, DateTimeOffset startedAt, string? owner, IEnumerable<NodeProgress> nodes)
    {
        Operation = operation;
        StartedAt = startedAt;
        Owner = owner;
        Nodes = [.. nodes];
        _byName = Nodes.ToDictionary(n => n.Name, StringComparer.OrdinalIgnoreCase);
    }

    public Operation Operation { get; }
    public string Id => Operation.Id;
    public OperationKind Kind => Operation.Kind;
    public string GroupId => Operation.GroupId;
    // When the operation was begun under its lease (ILeasedJournal.StartAsync sets it as it takes the lease).
    public DateTimeOffset StartedAt { get; set; }
    public string? Owner { get; set; }

    // The caller key name that asked for the operation (audit); null when the Api has no keys.
    public string? Caller { get; set; }

    // Retries and abandons by operators, in order (each journaled with the caller key name).
    public List<OperatorAction> Actions { get; init; } = [];

    // The fencing token of the lease the operation's current owner holds (0: none yet, e.g. read from a v1 entry).
    public long Fence { get; set; }

    // The lease of this run, while one runs (not journaled).
    public IGroupLease? Lease { get; set; }

    // The W3C trace id of the operation's span, so a recovery's span can link to it.
    public string? TraceParent { get; set; }

    public Outcome Outcome { get; set; } = Outcome.Running;

    // The outcome the journal's entry holds, as this Api last wrote or read it; null when not known (never written, or
    // a write whose answer was lost). Lets a save move the id between just two outcome indexes (RedisOperationJournal).
    public Outcome? JournaledOutcome { get; set; }

    public DateTimeOffset? EndedAt { get; set; }
    public double DurationMs { get; set; }

    // How often recovery took the operation over (its Api died, or its rollback was pending), and when it last tried.
    public int Recoveries { get; set; }
    public DateTimeOffset? LastRecoveryAt { get; set; }

    // In the order the operation was begun with (Cluster:Nodes then).
    public IReadOnlyList<NodeProgress> Nodes { get; }

    // Journal writes of one operation happen one at a time, each of a fresh snapshot, so a later state is never
    // overwritten by an earlier one (node steps save from parallel tasks).
    public SemaphoreSlim SaveGate { get; } = new(1, 1);

    public bool IsOpen => Outcome is Outcome.Running or Outcome.PendingRepair;

    public bool AllApplied => Nodes.All(n => n.Effect is NodeEffect.Applied or NodeEffect.AlreadySo);

    public NodeProgress? Node(string name) => _byName.GetValueOrDefault(name);

    public IEnumerable<NodeProgress> NodesWhere(Func<NodeProgress, bool> which) => Nodes.Where(which);
}

// One node's part in an operation. Calls are added from the node's own step while the journal may snapshot them.
public sealed class NodeProgress(string name)
{
    private readonly List<CallRecord> _calls = [];

    public string Name { get; } = name;
    public NodeEffect Effect { get; set; } = NodeEffect.Unknown;
    public CompensationState Compensation { get; set; } = CompensationState.NotNeeded;

    // Why the node could not be reached for this operation at all (it is no longer in Cluster:Nodes), else null.
    public string? Unreachable { get; set; }

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
