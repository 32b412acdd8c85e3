using ClusterGroups.Simulation;
using ClusterGroups.Simulation.World;
using Xunit.Abstractions;

namespace ClusterGroups.UnitTests.Simulation;

// The deterministic simulation of the protocol (docs/ARCHITECTURE.md, "The simulator"), a fixed set of seeds on every
// `dotnet test`. SIMULATION_PLANT switches one known bug on (Plant): with any of them this test fails, naming the seed
// and the command that replays it. `dotnet run -c Release --project ClusterGroups.Simulation -- --seeds N` runs more.
public sealed class SimulationTests(ITestOutputHelper output)
{
    public const int FixedSeeds = 100;

    // A planted bug is also looked for in seeds 1-300 (each plant's first failing seed is in docs/ARCHITECTURE.md,
    // "The simulator"): the rarer ones need a late delivery at the wrong moment.
    public const int PlantSeeds = 300;

    // Seeds kept because each once found a bug, beyond 1-100 (FoundationDB's practice: a failing seed becomes a test):
    // 164, 217, 259, 281 (and 16, within 1-100): a takeover of an operation whose seed-like node had no read-before on
    // record "undid" there a write no owner had sent (SeedDialect.TakeOverAsync, fixed);
    // 611: the same rule, missed by the rollback of a node whose write was unknown (NodeDialect.UndoAsync now asks the
    // dialect, as a takeover does); found in a 3 000-seed run;
    // 134: the first to find the planted no-abort-before-not-applied (a late create after an unconfirmed "not applied");
    // 3099: a bug of the checks, not of the protocol: a seed-like node's create held 25 s landed after recovery had
    // read the node absent and closed the operation RolledBack, never answered; the weaker rule now counts a close as
    // an answer (and our nodes are checked for writes after a close, too);
    // 1961: a bug of the checks: a seed-like node's create held 17 s landed after the same operation's retried create and
    // its undo had been answered there, before the operation's close reached the coordinator; the weaker rule now also
    // excuses a copy its operation had moved past on that node and never heard of again (Invariants.Superseded);
    // 988: the simulated store read a Begin refused by its key check ({'keyed', record}) as a count (a cast error);
    // 174, 186 (and 45, within 1-100): a joining node made active while an in-flight create had brought it level with
    // the others; the create's rollback made it stale again (JoinBackfill now checks only when no operation is open
    // around the check and none rolled back in between);
    // 3702: a bug of the simulation, found by the gate's check: a protocol-2 replica stopped gracefully withdrew its
    // announcement while its announcing loop still ran, and an announcement landing after the withdraw counted the
    // stopped replica for 15 s more, while a rejoin went through (SimReplica.Stop now ends the loop first, as
    // ReplicaAnnouncer.StopAsync does).
    // 14912: a bug of the checks: a seed-like node's create held 11 s landed after its operation had read the group
    // there (absent) and before the RolledBack close reached the coordinator; a later read counts as moving past a copy
    // as a later write does (Invariants.Superseded).
    // 18046: the upgrade gate read the announcements (a protocol-2 replica's had just expired), then the protocol-2
    // replica announced again, then the drain was written: the gate is now checked again in the coordinator's write
    // (MembershipGate, CoordinatorScripts.ChangeMembership).
    public static readonly int[] KeptSeeds = [134, 164, 217, 259, 281, 611, 988, 3099, 174, 186, 1961, 3702, 14912, 18046];

    public static IEnumerable<int> Seeds => Enumerable.Range(1, FixedSeeds).Concat(KeptSeeds);

    // The crowd's seeds (SimSettings.Crowd, `--crowd`: 6 to 12 callers on 4 to 12 groups, with the seed's drawn faults):
    // a replica's writes queue behind each other toward every node, so the group commit toward the nodes batches in
    // about three runs of four (drawn runs: one in twenty, two writes a batch), aborts and takeovers among the items.
    public const int CrowdSeeds = 40;

    // Crowd seeds kept because each once found a bug:
    // 668: the seed's node was the only active one (the operator had drained both of ours) when a paused owner's delete
    // landed there after its operation had closed RolledBack; no active node differed from it, so the reconciler saw
    // nothing, and the rejoining nodes were copied from it: a committed group gone from every node, the journal still
    // saying committed. A drain now never leaves the seed's nodes as the only truth while a node of ours is active
    // (MembershipChanges; DrainTruthTests). Found in a 6 000-seed crowd run; the fix's probes change the run's path.
    public static readonly int[] KeptCrowdSeeds = [668];

    public static IEnumerable<int> Crowd => Enumerable.Range(1, CrowdSeeds).Concat(KeptCrowdSeeds);

    [Fact]
    public void Every_invariant_holds_on_the_fixed_seeds()
    {
        var plant = Plant.FromEnvironment();
        var failures = new List<SimResult>();
        var operations = 0;
        foreach (var seed in Seeds)
        {
            var result = SimulationRun.Execute(seed, plant);
            operations += result.Operations;
            if (!result.Passed)
            {
                failures.Add(result);
            }
        }

        output.WriteLine($"{Seeds.Count()} seeds, plant {plant}: {operations} operations, {failures.Count} failed");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(3)));
    }

    [Fact]
    public void Every_invariant_holds_on_the_crowd_seeds()
    {
        var plant = Plant.FromEnvironment();
        var results = Crowd.Select(seed => SimulationRun.Execute(SimSettings.Crowd(seed), plant)).ToList();
        var failures = results.Where(r => !r.Passed).ToList();

        output.WriteLine($"{results.Count} crowd seeds, plant {plant}: {results.Sum(r => r.Operations)} operations, " +
                         $"{results.Sum(r => r.NodeBatches)} node batches of {results.Sum(r => r.NodeBatchedItems)} writes, {failures.Count} failed");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(3)));
        // What the crowd is for: the nodes' group commit is exercised (a drawn run of these seeds rarely batches).
        Assert.True(results.Count(r => r.NodeBatches > 0) > CrowdSeeds / 2, "most crowd runs batch toward a node");
    }

    // The reconciler's audit (every round against the journal's desired state, `--audit`) repairs through the protocol
    // what every node got wrong; its repairs must never make an answer untrue nor leave a node off the journal's last
    // decision, in the crowd's runs with their faults.
    [Fact]
    public void Every_invariant_holds_when_every_reconciler_round_audits_against_the_journal()
    {
        var plant = Plant.FromEnvironment();
        var results = Crowd.Select(seed => SimulationRun.Execute(SimSettings.Crowd(seed).Audited(), plant)).ToList();
        var failures = results.Where(r => !r.Passed).ToList();

        output.WriteLine($"{results.Count} crowd seeds with the audit, plant {plant}: {results.Sum(r => r.ReconcilerRounds)} reconciler rounds, " +
                         $"{results.Sum(r => r.Repairs)} repairs, {failures.Count} failed");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(3)));
        Assert.True(results.Sum(r => r.ReconcilerRounds) > CrowdSeeds / 2, "the reconciler's audit ran in the runs");
    }

    // A node's batch must check each item's token on its own: with only its first item's checked, a stale owner's write
    // batched behind another lands. The crowd's runs find it; drawn ones, which rarely batch toward a node, find it later.
    [Fact]
    public void The_crowd_seeds_find_a_node_batch_that_fences_only_its_first_item()
    {
        var plant = Plant.Parse(Plant.NodeBatchFencesOnce);
        for (var seed = 1; seed <= PlantSeeds; seed++)
        {
            var result = SimulationRun.Execute(SimSettings.Crowd(seed), plant);
            if (!result.Passed)
            {
                output.WriteLine(result.ToString());
                return;
            }
        }

        Assert.Fail($"no crowd seed of 1-{PlantSeeds} finds the planted bug {Plant.NodeBatchFencesOnce}");
    }

    // The answer and the journal agree (Invariants.AtAnswer, AtQuiescence): with the close not awaited, seed 14's
    // close is held on the network and reaches the coordinator after another replica's recovery took the operation
    // over (refused as fenced); that takeover aborted the key of a delete still on its way to n2, so it closed
    // RolledBack an operation the first replica had answered AlreadySo. Nothing else is wrong in that run: only this
    // check finds it.
    [Fact]
    public void An_answer_the_journal_later_contradicts_is_found()
    {
        var result = SimulationRun.Execute(14, Plant.Parse(Plant.AnswerBeforeClose));

        output.WriteLine(result.ToString());
        var failure = Assert.Single(result.Failures);
        Assert.Matches("was answered AlreadySo by api[0-9], but the journal holds it RolledBack", failure);
    }

    // What the seeds are for: each known bug, switched on, is found among them (the first failing seed is reported);
    // without any, every seed passes (the test above).
    [Theory]
    [InlineData(Plant.NodeIgnoresFence)]
    [InlineData(Plant.NoAbortBeforeNotApplied)]
    [InlineData(Plant.TakeoverTrustsJournal)]
    [InlineData(Plant.CoordinatorForgetsKeys)]
    [InlineData(Plant.OldReplicaDrivesRollback)]
    [InlineData(Plant.GateIgnoresOldReplicas)]
    [InlineData(Plant.BatchSkipsOwnerCheck)]
    [InlineData(Plant.AnswerBeforeClose)]
    public void The_fixed_seeds_find_each_planted_bug(string bug)
    {
        var plant = Plant.Parse(bug);
        for (var seed = 1; seed <= PlantSeeds; seed++)
        {
            var result = SimulationRun.Execute(seed, plant);
            if (!result.Passed)
            {
                output.WriteLine(result.ToString());
                return;
            }
        }

        Assert.Fail($"no seed of 1-{PlantSeeds} finds the planted bug {bug}");
    }
}
