using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterGroups.Contracts.Operations;

// The one table of phase names: journal entries, answers, span names and metric tags all use it.
public static class PhaseNames
{
    private static readonly (Phase Phase, string Name)[] Table =
    [
        (Phase.ReadBefore, "read-before"),
        (Phase.Apply, "apply"),
        (Phase.ApplyVerify, "apply-verify"),
        (Phase.Resolve, "resolve"),
        (Phase.Compensate, "compensate"),
        (Phase.CompensateVerify, "compensate-verify"),
        (Phase.Probe, "probe"),
        (Phase.TakeOver, "takeover"),
    ];

    // A loop, not Array.Find: the name is asked for several times per node call (span, metric, JSON), and a lambda
    // capturing the phase was allocated each time.
    public static string Of(Phase phase)
    {
        foreach (var (candidate, name) in Table)
        {
            if (candidate == phase)
            {
                return name;
            }
        }

        return phase.ToString();
    }

    public static bool TryParse(string? name, out Phase phase)
    {
        var index = Array.FindIndex(Table, p => p.Name == name);
        phase = index >= 0 ? Table[index].Phase : default;
        return index >= 0;
    }
}

public sealed class PhaseJsonConverter : JsonConverter<Phase>
{
    public override Phase Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        PhaseNames.TryParse(reader.GetString(), out var phase) ? phase : throw new JsonException($"Unknown phase '{reader.GetString()}'.");

    public override void Write(Utf8JsonWriter writer, Phase value, JsonSerializerOptions options) =>
        writer.WriteStringValue(PhaseNames.Of(value));
}
