using System.Text.Json.Nodes;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Redis;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Upgrades;
using ClusterGroups.Simulation.Plants;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterGroups.Simulation;

// One known bug switched on, test-only (SIMULATION_PLANT), so that the simulation's fixed seeds show they find it:
//   node-ignores-fence           the simulated nodes do not check fencing tokens (a stale owner's writes land);
//   no-abort-before-not-applied  what a write whose answer was lost did is learned by a read, not by aborting its key:
//                                "not applied" while a copy is still on its way (it applies after the answer);
//   takeover-trusts-journal      a takeover learns only the nodes the journal left unknown, trusting what the old
//                                owner journaled (the rule before issue 23's fix: a Committed answer for a group
//                                already undone on other nodes);
//   coordinator-forgets-keys     the coordinator keeps no Idempotency-Key past the script that recorded it (as a
//                                store that evicted them would): a caller's retry begins a second operation;
//   old-replica-drives-rollback  a replica of protocol 2 reads an entry a newer one wrote (v3) as if it were its own
//                                version, rather than leaving it: it does not know the rollback record, so it drives an
//                                operation whose rollback had begun as if nothing were being undone (JournalFormat);
//   gate-ignores-old-replicas    the operator's membership changes skip the gate, both where the endpoints ask it
//                                (ReplicaVersions.RefusalAsync) and in the coordinator's write (MembershipGate): a
//                                drain or rejoin applied while a protocol-2 replica is live;
//   batch-skips-owner-check      the coordinator's group commit (CoordinatorScripts.Batch) runs its begins and saves
//                                without their owner check, as if the batch's fencing had been checked once for all
//                                (each item must be checked on its own): a stale owner's batched write lands;
//   answer-before-close          the replica's closes return before they are acknowledged, the close going on behind
//                                (Plants/CloseNotAwaited): an operation is answered before the journal holds its
//                                decision, which can then be otherwise;
//   node-batch-fences-once       a node's batch request checks the token of its first item only (SimNode), as if the
//                                batch's fencing had been checked once for all (each item must be checked on its own):
//                                a stale owner's write batched behind another lands. Drawn runs rarely batch toward a
//                                node: the crowd's runs (SimSettings.Crowd) find it.
public sealed record Plant(string? Name)
{
    public const string NodeIgnoresFence = "node-ignores-fence";
    public const string NoAbortBeforeNotApplied = "no-abort-before-not-applied";
    public const string TakeoverTrustsJournal = "takeover-trusts-journal";
    public const string CoordinatorForgetsKeys = "coordinator-forgets-keys";
    public const string OldReplicaDrivesRollback = "old-replica-drives-rollback";
    public const string GateIgnoresOldReplicas = "gate-ignores-old-replicas";
    public const string BatchSkipsOwnerCheck = "batch-skips-owner-check";
    public const string AnswerBeforeClose = "answer-before-close";
    public const string NodeBatchFencesOnce = "node-batch-fences-once";

    public static readonly string[] Known =
        [NodeIgnoresFence, NoAbortBeforeNotApplied, TakeoverTrustsJournal, CoordinatorForgetsKeys, OldReplicaDrivesRollback, GateIgnoresOldReplicas,
            BatchSkipsOwnerCheck, AnswerBeforeClose, NodeBatchFencesOnce];

    // CoordinatorScripts.Batch with the owner check of its begins and saves taken out (batch-skips-owner-check).
    private static readonly string BatchWithoutOwnerCheck =
        CoordinatorScripts.Batch.Replace("if tonumber(ARGV[2]) < current then return 0 end", "if false then return 0 end", StringComparison.Ordinal);

    // The coordinator script a replica sends, with the bug in if planted.
    public string ScriptFor(string script) =>
        Is(BatchSkipsOwnerCheck) && ReferenceEquals(script, CoordinatorScripts.Batch) ? BatchWithoutOwnerCheck : script;

    // The coordinator a replica speaks to, with the bug in if planted.
    public ICoordinator CoordinatorFor(ICoordinator coordinator) => Is(AnswerBeforeClose) ? new CloseNotAwaited(coordinator) : coordinator;

    public static readonly Plant None = new((string?)null);

    public static Plant FromEnvironment() => Parse(Environment.GetEnvironmentVariable("SIMULATION_PLANT"));

    public static Plant Parse(string? name) =>
        string.IsNullOrEmpty(name) ? None
        : Known.Contains(name) ? new Plant(name)
        : throw new ArgumentException($"SIMULATION_PLANT '{name}' is none of: {string.Join(", ", Known)}.");

    public bool Is(string name) => Name == name;

    // The Api's wiring with the bug in: services registered before AddFanOut win over its defaults.
    public void Configure(IServiceCollection services)
    {
        if (Is(NoAbortBeforeNotApplied))
        {
            services.AddSingleton<KeyedDialect, KeyedDialectWithoutAbort>();
        }

        if (Is(TakeoverTrustsJournal))
        {
            services.AddSingleton<Takeover, TakeoverTrustingTheJournal>();
        }

        if (Is(GateIgnoresOldReplicas))
        {
            services.AddSingleton<MembershipGate, MembershipGateIgnoringOldReplicas>();
        }
    }

    // How a replica that reads the journal up to `readsUpTo` reads and writes it, with the bug in if planted.
    public JournalCodec JournalFor(int readsUpTo) =>
        Is(OldReplicaDrivesRollback) && readsUpTo < JournalFormat.Version ? new JournalReadAsOwnVersion(readsUpTo) : new JournalCodec(readsUpTo);

    public override string ToString() => Name ?? "none";

    // An older replica that reads a newer entry as if it were of its own version: the rollback record, which it does
    // not know, is lost on the way (what a build from before the record would make of the entry).
    private sealed class JournalReadAsOwnVersion(int readsUpTo) : JournalCodec(readsUpTo)
    {
        public override OperationState? Read(string json) => base.Read(AsOwnVersion(json));

        public override OperationState? ReadOrSkipNewer(string json) => base.ReadOrSkipNewer(AsOwnVersion(json));

        private string AsOwnVersion(string json)
        {
            var entry = JsonNode.Parse(json)!.AsObject();
            if ((entry["journalVersion"]?.GetValue<int>() ?? 1) <= ReadsUpTo)
            {
                return json;
            }

            entry["journalVersion"] = ReadsUpTo;
            entry.Remove("rollingBack");
            return entry.ToJsonString();
        }
    }

    // The takeover rule before issue 23: only the nodes the journal left unknown are asked (as a fresh Api would
    // resolve them), what the earlier owner journaled of the others is trusted, and an operation whose nodes all
    // applied is committed even if its rollback had begun.
    private sealed class TakeoverTrustingTheJournal(NodeDialects dialects) : Takeover(dialects)
    {
        private readonly NodeDialects _dialects = dialects;

        // A running operation's unknown nodes only; a pending repair went straight to its undo.
        public override bool Asks(OperationState op, NodeProgress node) => op.Outcome is Outcome.Running && node.Effect is NodeEffect.Unknown;

        public override async Task LearnAsync(NodeTurn turn)
        {
            if (await _dialects.ForAsync(turn) is { } dialect)
            {
                turn.Progress.Learn(await dialect.LearnAsync(turn));
            }
        }

        public override bool MayCommit(OperationState op) => true;
    }

    private sealed class MembershipGateIgnoringOldReplicas(ReplicaVersions versions) : MembershipGate(versions)
    {
        public override int Needs() => 0;
    }

    private sealed class KeyedDialectWithoutAbort(
        NodeCalls calls, NodeRetry retry, FanOutTelemetry telemetry, Microsoft.Extensions.Logging.ILogger<KeyedDialect> logger)
        : KeyedDialect(calls, retry, telemetry, logger)
    {
        protected override Task<(NodeEffect Effect, NodeCall Call)> AskAsync(NodeTurn turn, int attempt) =>
            ReadEffectAsync(turn, turn.Op.Kind, turn.Op.Operation.ApplyKey, Phase.Resolve, attempt);

        protected override Task<NodeEffect> ConfirmNotAppliedAsync(NodeTurn turn, OperationKind kind) =>
            Task.FromResult(NodeEffect.NotApplied);
    }
}
