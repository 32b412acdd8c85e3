using ClusterGroups.Simulation.Keyspace;
using ClusterGroups.Storage;

namespace ClusterGroups.Tests.Storage;

// The in-process store (ClusterGroups.Simulation) against the real ones: every case (StoreCases) runs on a fresh
// InProcessStore and on a flushed real store, Garnet as the AppHost runs it and redis-server; each step's reply
// (type and value, recursively) and the keyspace left behind (StoreDump) must be the same. Where a real store answers
// otherwise (StoreStep.Except), its own answer is checked instead, so the difference stays written down and a change
// of it fails. The in-process store follows redis-server 7.0 to the letter; Garnet words its errors its own way
// ("...value.", "'GET'", "ERR Lua encountered an error: ..."), so against Garnet an error reply is compared by its code
// (ERR, WRONGTYPE, ...), not its text. Our own scripts' cases (node, coordinator) must match both exactly.
// redis-server: CI installs it (.ci/run); without it these report themselves skipped, except under CI, where they fail.
[Collection(RealStoresCollection.Name)]
public sealed class StoreConformanceTests(RealStoresFixture stores)
{
    public static TheoryData<string> Cases => StoreCases.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Garnet_answers_every_case_as_the_in_process_store(string name) => CompareAsync(StoreCases.All[name], StoreKind.Garnet);

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Redis_server_answers_every_case_as_the_in_process_store(string name)
    {
        if (Environment.GetEnvironmentVariable("CI") is "true")
        {
            Assert.True(RealStoresFixture.RedisServerAvailable, "CI must have redis-server on PATH (.ci/run installs it).");
        }

        Skip.IfNot(RealStoresFixture.RedisServerAvailable, "redis-server is not on PATH: apt-get install -y redis-server");
        await CompareAsync(StoreCases.All[name], StoreKind.RedisServer);
    }

    private async Task CompareAsync(StoreCase @case, StoreKind kind)
    {
        var real = kind switch
        {
            StoreKind.Garnet => @case.Role == StoreRole.Node ? stores.NodeGarnet : stores.CoordinatorGarnet,
            _ => stores.RedisServer!,
        };
        await real.FlushAsync();
        IRedisStore realStore = new RedisStore(real.Connection);
        using var inProcess = new InProcessStore(declaredKeysOnly: @case.DeclaredKeysOnly);

        var expected = await @case.RunAsync(inProcess);
        List<string> actual;
        try
        {
            actual = await @case.RunAsync(realStore);
        }
        catch (StoreUnavailableException e)
        {
            throw new InvalidOperationException($"{real.Name} stopped answering during {@case.Name}; its output:\n{real.Output}", e);
        }

        var differences = new List<string>();
        for (var i = 0; i < @case.Steps.Count; i++)
        {
            var step = @case.Steps[i];
            var (want, why) = step.Known.TryGetValue(kind, out var known) ? known : (expected[i], null);
            if (!Same(kind, want, actual[i]))
            {
                differences.Add($"step {i + 1}: {step.Label}\n    in-process: {expected[i]}\n    {real.Name}: {actual[i]}" +
                    (why is null ? "" : $"\n    expected of {real.Name}: {want} ({why})"));
            }
        }

        var expectedDump = await StoreDump.ReadAsync(inProcess);
        var actualDump = @case.NoDump?.Store == kind ? expectedDump : await StoreDump.ReadAsync(realStore);
        if (!expectedDump.SequenceEqual(actualDump))
        {
            differences.Add($"keyspace after the case:\n  in-process:\n{StoreDump.Format(expectedDump)}\n  {real.Name}:\n{StoreDump.Format(actualDump)}");
        }

        Assert.True(differences.Count == 0, $"{@case.Name}: {real.Name} differs from the in-process store:\n{string.Join("\n", differences)}");
    }

    private static bool Same(StoreKind kind, string want, string actual) =>
        want == actual || (kind == StoreKind.Garnet && want.StartsWith('-') && actual.StartsWith('-') && Code(want) == Code(actual));

    private static string Code(string error) => error.Split(' ')[0];
}
