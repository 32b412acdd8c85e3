using System.Globalization;
using ClusterGroups.Simulation.World;

namespace ClusterGroups.Simulation;

// The simulator's command line.
public sealed record SimOptions(int From, int Seeds, int? Seed, bool Trace, Plant Plant, bool StopAtFirst, bool Help, bool AllFaults = false, bool Crowd = false, bool Audit = false)
{
    public const string Usage = """
        dotnet run -c Release --project ClusterGroups.Simulation -- [options]
          --seeds N        run N seeds (default 1000)
          --from S         starting at seed S (default 1)
          --seed S         run one seed
          --trace          with --seed: print the run's trace (who sent what to whom, when, what each answer said)
          --plant NAME     switch one known bug on: node-ignores-fence | no-abort-before-not-applied | takeover-trusts-journal
                           | coordinator-forgets-keys | old-replica-drives-rollback | gate-ignores-old-replicas
                           | batch-skips-owner-check | answer-before-close | node-batch-fences-once (or set SIMULATION_PLANT)
          --stop           stop at the first failing seed
          --all-faults     every kind of fault on (SimSettings.AllFaults), whatever the seed draws
          --crowd          6-12 callers on 4-12 groups (SimSettings.Crowd; with --all-faults too): the group
                           commit's batches toward nodes and the coordinator carry several writes each
          --audit          every reconciler round also compares the nodes with the journal's desired state
                           (ConsistencyCheck's againstJournal) and repairs what they all got wrong
        """;

    public SimSettings Settings(int seed)
    {
        var settings = AllFaults ? SimSettings.AllFaults(seed) : SimSettings.Draw(seed);
        settings = Crowd ? settings.Crowded() : settings;
        return Audit ? settings.Audited() : settings;
    }

    public static SimOptions Parse(string[] args)
    {
        var options = new SimOptions(1, 1_000, null, false, Plant.FromEnvironment(), false, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            options = args[i] switch
            {
                "--seeds" => options with { Seeds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--from" => options with { From = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seed" => options with { Seed = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--trace" => options with { Trace = true },
                "--plant" => options with { Plant = Plant.Parse(Next()) },
                "--stop" => options with { StopAtFirst = true },
                "--all-faults" => options with { AllFaults = true },
                "--crowd" => options with { Crowd = true },
                "--audit" => options with { Audit = true },
                "--help" or "-h" => options with { Help = true },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
        }

        return options;
    }
}
