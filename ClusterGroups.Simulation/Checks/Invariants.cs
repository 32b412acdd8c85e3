using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Upgrades;
using ClusterGroups.Simulation.World;
using StackExchange.Redis;

namespace ClusterGroups.Simulation.Checks;

// The protocol's invariants (docs/ARCHITECTURE.md, "Invariants the simulator checks"), checked against the simulated
// nodes and the coordinator's store as they are: every answer at the moment it is given, the rest once the run is
// quiet (faults healed, every replica back, recovery done).
public sealed class Invariants(SimWorld world)
{
    // The first final answer given for each operation: when, what, and by whom. No write of the operation may change a
    // node after it, and every later answer for it, and the journal's decision, must say the same (what a caller was
    // told is what the cluster recorded: a retry with the same key is answered from the journal).
    private readonly Dictionary<string, (TimeSpan At, Outcome Outcome, string Replica)> _finalAnswers = new(StringComparer.Ordinal);

    public List<string> Violations { get; } = [];

    public int AnswersChecked { get; private set; }

    // An answer, at the moment the replica gives it: what it says must be true of every node the operation names.
    // Committed: every node in the desired state. Already so: every node in it, none by this operation's write. Rolled
    // back: no node holds this operation's write. (Pending repair and running promise nothing yet.) Only while no later
    // operation on the group has begun: that one may change the nodes legitimately.
    public void AtAnswer(string replica, FanOutResult result)
    {
        if (result.Operation is not { } op)
        {
            world.Trace.Add(replica, $"answer: busy ({result.Refusal})");
            return;
        }

        world.Trace.Add(replica, $"answer: {op.Kind} {op.GroupId} {op.Id} {op.Outcome}{(result.LostToLaterOwner ? " (taken over)" : "")}");
        if (op.Outcome is Outcome.Committed or Outcome.AlreadySo or Outcome.RolledBack)
        {
            if (!_finalAnswers.TryGetValue(op.Id, out var first))
            {
                _finalAnswers.Add(op.Id, (world.Scheduler.Now, op.Outcome, replica));
            }
            else if (first.Outcome != op.Outcome)
            {
                Violate($"{replica} answered {op.Id} {op.Outcome}, which {first.Replica} had answered {first.Outcome}");
            }
        }

        if (LastOperation(op.GroupId) != op.Id)
        {
            return;
        }

        AnswersChecked++;
        foreach (var progress in op.Nodes)
        {
            if (!world.Nodes.TryGetValue(progress.Name, out var node))
            {
                continue;
            }

            if (node.Seed && WrittenLate(node, op.GroupId))
            {
                // The seed's weaker rule: an earlier operation's write that reached it after that one was answered.
                continue;
            }

            var (present, writtenBy) = node.State(op.GroupId);
            var desired = op.Operation.DesiredPresence;
            var byThis = !node.Seed && present == desired && writtenBy == op.Operation.ApplyKey;
            var wrong = op.Outcome switch
            {
                Outcome.Committed => present != desired,
                Outcome.AlreadySo => present != desired || byThis,
                Outcome.RolledBack => byThis,
                _ => false,
            };
            if (wrong)
            {
                Violate($"{replica} answered {op.Outcome} for {op.Kind} {op.GroupId} ({op.Id}), but {node.Name} holds it " +
                        $"{(present ? "present" : "absent")}{(writtenBy is null ? "" : $" by {writtenBy}")}");
            }
        }
    }

    // Idempotency-Keys (README, "The Api"): every answer a caller gets for one key names one operation, the one the
    // journal has for that key; a key refused as used names the same request (the callers here never reuse a key).
    private readonly Dictionary<(string Caller, string Key), string> _keyed = [];

    // Keys whose request was answered "deadline passed, nothing done": no operation may ever hold them.
    private readonly HashSet<(string Caller, string Key)> _refused = [];

    public void AtKeyRefused(string replica, string caller, RequestKey key)
    {
        world.Trace.Add(replica, $"answer: 504 deadline passed (key {key.Value})");
        _refused.Add((caller, key.Value));
        if (_keyed.TryGetValue((caller, key.Value), out var begun))
        {
            Violate($"{caller}'s key {key.Value} was answered 'deadline passed, nothing done', but began {begun}");
        }
    }

    public void AtKeyedOperation(string caller, RequestKey key, string operationId)
    {
        if (_refused.Contains((caller, key.Value)))
        {
            Violate($"{caller}'s key {key.Value} was answered with {operationId}, and before 'deadline passed, nothing done'");
        }

        if (_keyed.TryGetValue((caller, key.Value), out var first) && first != operationId)
        {
            Violate($"{caller}'s key {key.Value} was answered with {operationId}, and before with {first}: two operations for one key");
        }

        _keyed.TryAdd((caller, key.Value), operationId);
    }

    public void AtKeyUsed(string replica, string caller, RequestKey key, OperationKind kind, string groupId, KeyedRequest used, OperationState? earlier)
    {
        world.Trace.Add(replica, $"answer: key {key.Value} used by {used.OperationId} ({used.Kind} {used.GroupId})");
        if (!used.IsSameRequest(kind, groupId))
        {
            Violate($"{caller}'s key {key.Value} for {kind} {groupId} was refused as used by another request ({used.OperationId}: {used.Kind} {used.GroupId})");
            return;
        }

        if (used.IsPastDeadline)
        {
            AtKeyRefused(replica, caller, key);
            return;
        }

        AtKeyedOperation(caller, key, used.OperationId);
        if (earlier is not null)
        {
            // The earlier operation's state, answered now: checked as any answer is, at the moment it is given.
            AtAnswer(replica, FanOutResult.Done(earlier));
        }
    }

    // Every script the coordinator store runs, checked in the same step (ScriptServed):
    // - a replica of an older protocol never writes an entry it could not read itself, and never rewrites one a newer
    //   replica wrote (it leaves it: recovery skips it, a request needing it is answered 503);
    // - the rollback record is never lost: an entry journaled rolling back is never rewritten without it, and an
    //   operation whose rollback is on record never closes Committed (some undo may have landed: Takeover.MayCommit);
    // - the gate: no drain, rejoin, add or remove is applied while a live replica announces a protocol older than
    //   membership changes need (a joining node's promotion finishes a rejoin the gate let through, and is not one).
    public void AtScript(ScriptServed served)
    {
        if (!served.Applied)
        {
            return;
        }

        if (served.Entry is { } written)
        {
            AtEntryWritten(served.Caller, written.Id, written.Entry, served.Before);
        }
        else if (served.Script == "CoordinatorScripts.ChangeMembership")
        {
            AtMembershipChanged(served.Caller, MembershipFormat.Read(served.Args[1].ToString())!, MembershipFormat.Read(served.Before));
        }
    }

    // How many entries replicas of an older protocol wrote (reported).
    public int OlderWrites { get; private set; }

    private void AtEntryWritten(StoreCaller? caller, string id, string entry, string? before)
    {
        if (caller is { Version: < ProtocolVersions.Current } older)
        {
            OlderWrites++;
            var reads = ProtocolVersions.JournalReads(older.Version);
            if (VersionOf(entry) > reads)
            {
                Violate($"{older.Replica} (protocol {older.Version}) wrote {id} as journal v{VersionOf(entry)}, which it cannot read");
            }

            if (before is not null && VersionOf(before) > reads)
            {
                Violate($"{older.Replica} (protocol {older.Version}) rewrote {id}, whose entry a newer replica wrote (journal v{VersionOf(before)})");
            }
        }

        var recorded = before is not null && RollingBack(before);
        if (recorded && !RollingBack(entry))
        {
            Violate($"{caller?.Replica} rewrote {id} without its rollback record: it was journaled rolling back");
        }

        if ((recorded || RollingBack(entry)) && JournalFormat.Read(entry, JournalFormat.Version) is { Outcome: Outcome.Committed })
        {
            Violate($"{caller?.Replica} closed {id} Committed, but its rollback was on record");
        }
    }

    private void AtMembershipChanged(StoreCaller? caller, Membership next, Membership? previous)
    {
        var promotion = previous is not null && next.Members.Count == previous.Members.Count && next.Members.All(m =>
            previous.RoleOf(m.Name) == m.Role || (previous.RoleOf(m.Name) == MemberRole.Joining && m.Role == MemberRole.Active));
        var older = LiveAnnouncements().Where(a => a.Protocol < ProtocolVersions.MembershipChanges.Needs).ToList();
        if (!promotion && older.Count > 0)
        {
            Violate($"{caller?.Replica} applied membership epoch {next.Epoch} while {string.Join(", ", older.Select(a => $"{a.Replica} announces protocol {a.Protocol}"))}");
        }
    }

    // A recovery round that failed on an entry a newer replica wrote: an older replica must leave such an entry.
    public void AtRecoveryRoundFailed(string replica, NewerJournalEntryException newer) =>
        Violate($"{replica}'s recovery round failed on {newer.OperationId} (journal v{newer.Version}, it reads up to {newer.Readable})");

    private List<ReplicaAnnouncement> LiveAnnouncements() =>
        [.. Smembers("cg:replicas").Select(r => world.CoordinatorStore.Execute("GET", [$"cg:replica:{r}"]).Result)
            .Where(v => v is { IsNull: false }).Select(v => ReplicaFormat.Read(v!.ToString())).OfType<ReplicaAnnouncement>()];

    // The stamp and the rollback record, read from the text (every entry is checked: no full parse for each).
    private static int VersionOf(string entry)
    {
        const string Stamp = "\"journalVersion\":";
        var at = entry.IndexOf(Stamp, StringComparison.Ordinal);
        return at < 0 ? 1 : entry[at + Stamp.Length] - '0';
    }

    private static bool RollingBack(string entry) => entry.Contains("\"rollingBack\":true", StringComparison.Ordinal);

    // Once the run is quiet: no operation open; per group, operations one after another (never two at once), every
    // "already so" true of the state the ones before it left (a register), the nodes all in the state the last one
    // decided; and no node changed by an operation's write after its final answer.
    public void AtQuiescence()
    {
        var open = Smembers("cg:ops:open");
        foreach (var id in open)
        {
            Violate($"{id} is still open after every fault healed and recovery ran");
        }

        var operations = Journal();
        foreach (var group in operations.GroupBy(o => o.GroupId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            CheckGroup(group.Key, [.. group]);
        }

        foreach (var keyed in operations.Where(o => o.Key is not null).GroupBy(o => o.Key!).Where(k => k.Count() > 1))
        {
            Violate($"key {keyed.Key.Value} of {keyed.Key.Scope} began {keyed.Count()} operations: {string.Join(", ", keyed.Select(o => o.Id))}");
        }

        foreach (var op in operations.Where(o => o.Key is { } k && _refused.Contains((k.Scope, k.Value))))
        {
            Violate($"{op.Id} holds key {op.Key!.Value} of {op.Key.Scope}, whose request was answered 'deadline passed, nothing done'");
        }

        // Every answered operation is in the journal (its entry outlives any run), with the outcome it was answered.
        var journaled = operations.ToDictionary(o => o.Id, StringComparer.Ordinal);
        foreach (var (id, told) in _finalAnswers)
        {
            var entry = journaled.GetValueOrDefault(id) ?? Entry(id);
            if (entry is null)
            {
                Violate($"{id} was answered {told.Outcome} by {told.Replica}, but the journal has no entry for it");
            }
            else if (entry.Outcome != told.Outcome)
            {
                Violate($"{id} was answered {told.Outcome} by {told.Replica}, but the journal holds it {entry.Outcome}");
            }
        }

        foreach (var ((caller, key), id) in _keyed)
        {
            if (journaled.GetValueOrDefault(id) is { } op && op.Key != RequestKey.For(caller, key))
            {
                Violate($"{id}, answered to {caller}'s key {key}, is journaled with key {op.Key?.Value ?? "none"}");
            }
        }

        // An abandoned operation's answer (502) says the nodes may differ: the operator gave up on it, and a write of its
        // still on its way may land after its close until a later operation's token passes it.
        var abandoned = operations.Where(o => o.Outcome == Outcome.Abandoned).Select(o => o.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var node in world.Nodes.Values.Where(n => !n.Seed))
        {
            foreach (var (at, groupId, present, key, _) in node.Changes)
            {
                var id = OperationOf(key);
                if (_finalAnswers.TryGetValue(id, out var answered) && at > answered.At)
                {
                    Violate($"{node.Name} made {groupId} {(present ? "present" : "absent")} by {key} at {at.TotalSeconds:0.000}s, " +
                            $"after {id} was answered at {answered.At.TotalSeconds:0.000}s");
                }
                else if (world.CoordinatorStore.Closed.TryGetValue(id, out var closed) && at > closed && !abandoned.Contains(id))
                {
                    // Closed by recovery and never answered: its decision is the answer all the same.
                    Violate($"{node.Name} made {groupId} {(present ? "present" : "absent")} by {key} at {at.TotalSeconds:0.000}s, " +
                            $"after {id} was closed at {closed.TotalSeconds:0.000}s");
                }
            }
        }
    }

    private void CheckGroup(string groupId, List<OperationState> operations)
    {
        var begun = world.CoordinatorStore.Begun;
        var closed = world.CoordinatorStore.Closed;
        var ordered = operations.OrderBy(o => begun.GetValueOrDefault(o.Id)).ThenBy(o => o.Id, StringComparer.Ordinal).ToList();
        var present = false;
        // An operation an operator abandoned may have left the nodes apart (its answer, 502, says so): what the group
        // holds is known again only once a later operation commits (the reconciler's report lists it meanwhile).
        var known = true;
        OperationState? previous = null;
        foreach (var op in ordered)
        {
            if (previous is not null && closed.TryGetValue(previous.Id, out var end) && begun.TryGetValue(op.Id, out var start) && start < end)
            {
                Violate($"{op.Id} began on {groupId} at {start.TotalSeconds:0.000}s before {previous.Id} closed at {end.TotalSeconds:0.000}s");
            }

            var desired = op.Kind == OperationKind.Create;
            switch (op.Outcome)
            {
                case Outcome.AlreadySo when known && present != desired && !world.Nodes.Values.Any(n => n.Seed):
                    Violate($"{op.Id} ({op.Kind} {groupId}) closed AlreadySo, but the operations before it left the group {(present ? "present" : "absent")}");
                    break;
                case Outcome.Committed:
                    present = desired;
                    known = true;
                    break;
                case Outcome.Abandoned:
                    known = false;
                    break;
            }

            previous = op;
        }

        // Only active nodes are the cluster's truth: a node drained (or still joining) when the run ended is not held to it.
        var membership = MembershipFormat.Read((string?)(StackExchange.Redis.RedisValue)world.CoordinatorStore.Execute("HGET", ["cg:membership", "members"]).Result!);
        foreach (var node in world.Nodes.Values.Where(n => membership?.RoleOf(n.Name) is null or MemberRole.Active))
        {
            if (known && node.State(groupId).Present != present && !(node.Seed && WrittenLate(node, groupId)))
            {
                Violate($"after quiescence {node.Name} holds {groupId} {(node.State(groupId).Present ? "present" : "absent")}, " +
                        $"but the journal's last decision ({previous?.Id} {previous?.Outcome}) leaves it {(present ? "present" : "absent")}");
            }
        }
    }

    // The weaker rule for the seed's nodes (docs/ARCHITECTURE.md, "Takeover"): they take neither keys nor tokens, so a
    // copy of a write still on its way applies whenever it lands, and the node may then differ from the journal until the
    // reconciler repairs it. That, and only that, excuses a seed node's difference: a change made by a late copy, one
    // that landed after its operation was answered, or closed (by recovery too: its decision is then the answer, GET
    // /v1/operations/{id}, and a takeover's read of the node cannot see a copy still on its way: seed 3099), or after the
    // operation had moved past it on that node (Superseded: seed 1961).
    private bool WrittenLate(SimNode node, string groupId)
    {
        var closed = world.CoordinatorStore.Closed;
        foreach (var change in node.Changes.Where(c => c.GroupId == groupId))
        {
            var id = OperationOf(change.Key);
            if ((_finalAnswers.TryGetValue(id, out var answered) && change.At > answered.At)
                || (closed.TryGetValue(id, out var end) && change.At > end)
                || Superseded(node, change, id))
            {
                LateSeedWrites++;
                return true;
            }
        }

        return false;
    }

    // A copy its own operation had moved past on that node before it landed: the node had already served a later write
    // of the same operation (its retry or its undo, sent after this copy) or a later read of the group, and that answer
    // reached the Api; and no answer
    // about the group the node gave after the copy landed reached the Api before the operation closed. Everything the
    // operation knew of the node then came from answers that cannot include the copy, and nothing it could send would
    // refuse it. Seed 1961: a create held 17 s landed after the same operation's retried create and its undo had both
    // been answered, while the coordinator was unreachable and the operation not yet closed; the next create read the
    // group there, took it as already so, rolled back without touching the node, and the node differed from the journal.
    // Still a violation: a write whose operation heard of nothing newer from the node before it landed (concluded
    // without asking), or whose effect the operation heard of before its close (and then left).
    private bool Superseded(SimNode node, NodeChange change, string id)
    {
        var closed = world.CoordinatorStore.Closed.TryGetValue(id, out var end) ? end : TimeSpan.MaxValue;
        // A later write of the operation, or a read of the group (reads carry no key: one sent after the copy and
        // served before it landed was sent while the operation held the group, so by it; seed 14912).
        return node.Answers.Any(a => a.GroupId == change.GroupId && (a.Key is null || OperationOf(a.Key) == id)
                                     && a.Sent > change.Sent && a.Served < change.At)
            && !node.Answers.Any(a => a.GroupId == change.GroupId && a.Served > change.At && a.Answered <= closed);
    }

    // How many seed-node differences a late write explained (reported, not failed).
    public int LateSeedWrites { get; private set; }

    private static string OperationOf(string key) => key.EndsWith(":undo", StringComparison.Ordinal) ? key[..^":undo".Length] : key;

    private void Violate(string what)
    {
        Violations.Add(what);
        world.Trace.Add("check", $"VIOLATION {what}");
    }

    private string? LastOperation(string groupId) =>
        world.CoordinatorStore.Execute("GET", [$"cg:group:{groupId}:last"]).Result is { IsNull: false } last ? last.ToString() : null;

    private string[] Smembers(string key) =>
        [.. ((RedisValue[])world.CoordinatorStore.Execute("SMEMBERS", [key]).Result!).Select(v => v.ToString()).Order(StringComparer.Ordinal)];

    private List<OperationState> Journal()
    {
        var ids = (RedisValue[])world.CoordinatorStore.Execute("ZRANGE", ["cg:ops", 0, -1]).Result!;
        return [.. ids.Select(id => Entry(id!)).OfType<OperationState>()];
    }

    // One operation's entry, read directly (the index of all operations is trimmed to the newest).
    private OperationState? Entry(string id) =>
        world.CoordinatorStore.Execute("GET", [$"cg:op:{id}"]).Result is { IsNull: false } json ? JournalFormat.Read(json.ToString()) : null;
}
