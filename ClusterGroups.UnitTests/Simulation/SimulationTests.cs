using ClusterGroups.Simulation;
using Xunit.Abstractions;

namespace ClusterGroups.UnitTests.Simulation;

// The deterministic simulation of the protocol (docs/ARCHITECTURE.md, "The simulator"), a fixed set of seeds on every
// `dotnet test`. SIMULATION_PLANT switches one known bug on (Plant): with any of them this test fails, naming the seed
// and the command that replays it. `dotnet run -c Release --project ClusterGroups.Simulation -- --seeds N` runs more.
public sealed class SimulationTests(ITestOutputHelper output)
{
    public const int FixedSeeds = 100;

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

    // What the fixed seeds are for: each known bug, switched on, is found among them (the first failing seed is
    // reported); without any, every seed passes (the test above).
    [Theory]
    [InlineData(Plant.NodeIgnoresFence)]
    [InlineData(Plant.NoAbortBeforeNotApplied)]
    [InlineData(Plant.TakeoverTrustsJournal)]
    public void The_fixed_seeds_find_each_planted_bug(string bug)
    {
        var plant = Plant.Parse(bug);
        for (var seed = 1; seed <= FixedSeeds; seed++)
        {
            var result = SimulationRun.Execute(seed, plant);
            if (!result.Passed)
            {
                output.WriteLine(result.ToString());
                return;
            }
        }

        Assert.Fail($"no seed of 1-{FixedSeeds} finds the planted bug {bug}");
    }
}
