using System.Reflection;
using ClusterGroups.Api.Coordinator.Redis;
using ClusterGroups.Node.Groups;

namespace ClusterGroups.Simulation.World;

// The name of a script in a trace (CoordinatorScripts.Start, NodeScripts.Create), not its text.
public static class ScriptNames
{
    private static readonly Dictionary<string, string> Names =
        new[] { typeof(CoordinatorScripts), typeof(NodeScripts) }
            .SelectMany(type => type.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f => (Text: (string)f.GetRawConstantValue()!, Name: $"{type.Name}.{f.Name}")))
            .GroupBy(s => s.Text)
            .ToDictionary(g => g.Key, g => g.First().Name);

    public static string Of(string script) => Names.GetValueOrDefault(script, "script");
}
