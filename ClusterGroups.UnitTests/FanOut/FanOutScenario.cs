using ClusterGroups.Api.FanOut;
using CsCheck;

namespace ClusterGroups.UnitTests.FanOut;

// One operation of a random scenario: what to do, and each node's script for it (index = node).
public sealed record ScenarioStep(OperationKind Kind, string GroupId, Fault[][] Faults)
{
    public override string ToString() =>
        $"{Kind} {GroupId} [{string.Join(" | ", Faults.Select(f => f.Length == 0 ? "-" : string.Join(",", f.AsEnumerable())))}]";
}

// A random cluster (3-5 nodes, some like the seed's Flask node), which groups exist at the start (everywhere or
// nowhere), and a few operations on a few ids, each under random faults.
public sealed record Scenario(int NodeCount, bool[] IgnoresKey, string[] Seeded, ScenarioStep[] Steps)
{
    public const int MaxNodes = 5;
    public static readonly string[] Ids = ["a", "b"];

    private static readonly HttpMethod?[] Methods = [null, HttpMethod.Get, HttpMethod.Post, HttpMethod.Delete];

    private static readonly Gen<Fault> GenFault =
        Gen.Select(
            Gen.Frequency(
                (6, FaultKind.Ok),
                (3, FaultKind.Status500BeforeApply),
                (3, FaultKind.Status500AfterApply),
                (1, FaultKind.TimeoutBeforeApply),
                (2, FaultKind.TimeoutAfterApply),
                (3, FaultKind.ConnectionRefused),
                (1, FaultKind.Slow),
                (1, FaultKind.Down)),
            Gen.OneOf(Methods),
            Gen.Int[5, 40],
            (kind, method, ms) => new Fault(kind, method, kind == FaultKind.Slow ? ms : 0));

    private static readonly Gen<ScenarioStep> GenStep =
        Gen.Select(
            Gen.OneOf(OperationKind.Create, OperationKind.Delete),
            Gen.OneOf(Ids),
            GenFault.Array[0, 4].Array[MaxNodes],
            (kind, id, faults) => new ScenarioStep(kind, id, faults));

    public static readonly Gen<Scenario> Generator =
        Gen.Select(
            Gen.Int[3, MaxNodes],
            Gen.Int[0, 3].Select(i => i == 0).Array[MaxNodes],
            Gen.Bool.Array[Ids.Length],
            GenStep.Array[1, 5],
            (nodes, ignores, seeded, steps) => new Scenario(
                nodes, ignores, [.. Ids.Where((_, i) => seeded[i])], steps));

    public int[] IgnoringNodes => [.. Enumerable.Range(0, NodeCount).Where(i => IgnoresKey[i])];

    public override string ToString() =>
        $"{NodeCount} nodes, ignoring key: [{string.Join(",", IgnoringNodes)}], seeded: [{string.Join(",", Seeded)}]\n  "
        + string.Join("\n  ", Steps.Select(s => (s with { Faults = s.Faults[..NodeCount] }).ToString()));
}
