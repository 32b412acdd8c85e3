using System.Diagnostics;
using ClusterGroups.Simulation;
using ClusterGroups.Simulation.World;

// Runs seeds of the deterministic simulation and reports runs per second; a failing seed prints its violations and
// the command that replays it with its trace. docs/ARCHITECTURE.md, "The simulator"; README, "Deterministic simulation".
var options = SimOptions.Parse(args);
if (options.Help)
{
    Console.WriteLine(SimOptions.Usage);
    return 0;
}

if (options.Seed is { } one)
{
    var settings = options.Settings(one);
    var result = SimulationRun.Execute(settings, options.Plant, keepTrace: options.Trace);
    if (options.Trace)
    {
        Console.Write(result.Trace);
    }

    Console.WriteLine(result);
    return result.Passed ? 0 : 1;
}

var clock = Stopwatch.StartNew();
var failed = 0;
var runs = 0;
var (batches, batched, batchingRuns) = (0L, 0L, 0);
var (nodeBatches, nodeBatched, nodeBatchingRuns) = (0L, 0L, 0);
var (rounds, repairs, repairingRuns) = (0L, 0L, 0);
for (var seed = options.From; seed < options.From + options.Seeds; seed++)
{
    var result = SimulationRun.Execute(options.Settings(seed), options.Plant);
    runs++;
    (batches, batched) = (batches + result.CoordinatorBatches, batched + result.CoordinatorBatchedItems);
    batchingRuns += result.CoordinatorBatches > 0 ? 1 : 0;
    (nodeBatches, nodeBatched) = (nodeBatches + result.NodeBatches, nodeBatched + result.NodeBatchedItems);
    nodeBatchingRuns += result.NodeBatches > 0 ? 1 : 0;
    (rounds, repairs) = (rounds + result.ReconcilerRounds, repairs + result.Repairs);
    repairingRuns += result.Repairs > 0 ? 1 : 0;
    if (!result.Passed)
    {
        failed++;
        Console.WriteLine(result);
        if (options.StopAtFirst)
        {
            break;
        }
    }

    if (runs % 1_000 == 0)
    {
        Console.WriteLine($"{runs} runs, {failed} failed, {runs / clock.Elapsed.TotalSeconds:0.0} runs/s");
    }
}

Console.WriteLine($"{runs} runs from seed {options.From}, plant {options.Plant}: {failed} failed; {runs / clock.Elapsed.TotalSeconds:0.0} runs/s");
Console.WriteLine($"coordinator group commit: {batches} batches of {batched} writes, in {batchingRuns} of {runs} runs");
Console.WriteLine($"node group commit: {nodeBatches} batches of {nodeBatched} writes (one store script each), in {nodeBatchingRuns} of {runs} runs");
Console.WriteLine($"reconciler{(options.Audit ? " (against the journal)" : "")}: {rounds} rounds, {repairs} repairs, in {repairingRuns} of {runs} runs");
return failed == 0 ? 0 : 1;
