using ClusterGroups.Simulation;
using Xunit.Abstractions;

namespace ClusterGroups.UnitTests.Simulation;

// The deterministic simulation of the protocol (docs/ARCHITECTURE.md, "The simulator"), a fixed set of seeds on every
// `dotnet test`. SIMULATION_PLANT switches one known bug on (Plant): with any of them this test fails, naming the seed
// and the command that replays it. `dotnet run -c Release --project ClusterGroups.Simulation -- --seeds N` runs more.
public sealed class SimulationTests(ITestOutputHelper output)
{
    public const int FixedSeeds = 100;

    // A planted bug is looked for a little further: the rarer ones need a late delivery at the wrong moment (each
    // plant's first failing seed is in docs/ARCHITECTURE.md, "The simulator").
    public const int PlantSeeds = 300;

    [Fact]
    public void Every_invariant_holds_on_the_fixed_seeds()
    {
        var plant = Plant.FromEnvironment();
        var failures = new List<SimResult>();
        var operations = 0;
        for (var seed = 1; seed <= FixedSeeds; seed++)
        {
            var result = SimulationRun.Execute(seed, plant);
            operations += result.Operations;
            if (!result.Passed)
            {
                failures.Add(result);
            }
        }

        output.WriteLine($"{FixedSeeds} seeds, plant {plant}: {operations} operations, {failures.Count} failed");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(3)));
    }

    // Seeds that found a bug, kept beyond the fixed ones (each failed before its fix):
    // 16, 164, 217, 259, 281: a takeover of an operation whose seed-like node had no read-before on record re-created
    // (or deleted) the group there by its "undo", although no owner had ever written to that node (SeedDialect).
    [Theory]
    [InlineData(16)]
    [InlineData(164)]
    [InlineData(217)]
    [InlineData(259)]
    [InlineData(281)]
    public void Seeds_that_found_bugs_pass(int seed)
    {
        var result = SimulationRun.Execute(seed, Plant.None);
        Assert.True(result.Passed, result.ToString());
    }

    // What the seeds are for: each known bug, switched on, is found among them (the first failing seed is reported);
    // without any, every seed passes (the test above).
    [Theory]
    [InlineData(Plant.NodeIgnoresFence)]
    [InlineData(Plant.NoAbortBeforeNotApplied)]
    [InlineData(Plant.TakeoverTrustsJournal)]
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
