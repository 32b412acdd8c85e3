using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ClusterGroups.UnitTests.Deploy;

// RFC 6902 patches as kustomize applies them (`patches:` with a list of ops): add, replace, remove and test, on a
// JSON pointer; "-" appends to an array. Each failure is one sentence (a path that does not exist, a test that fails),
// so a patch that no longer fits the base it patches fails the deploy tests instead of being skipped.
public static class JsonPatch
{
    public static IEnumerable<string> Apply(JsonNode root, JsonNode operations)
    {
        foreach (var op in operations.AsArray().OfType<JsonObject>())
        {
            var (name, path) = ((string?)op["op"] ?? "", (string?)op["path"] ?? "");
            var problem = ApplyOne(root, name, path, op["value"]);
            if (problem is not null)
            {
                yield return $"{name} {path}: {problem}";
            }
        }
    }

    private static string? ApplyOne(JsonNode root, string op, string path, JsonNode? value)
    {
        var segments = path.Split('/').Skip(1).Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
        if (segments.Count == 0)
        {
            return "the whole object cannot be patched here";
        }

        JsonNode? parent = root;
        foreach (var segment in segments[..^1])
        {
            parent = parent switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
            if (parent is null)
            {
                return $"'{segment}' does not exist";
            }
        }

        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o:
                var exists = o.ContainsKey(last);
                switch (op)
                {
                    case "add":
                        o[last] = value?.DeepClone();
                        return null;
                    case "replace" when exists:
                        o[last] = value?.DeepClone();
                        return null;
                    case "remove" when exists:
                        o.Remove(last);
                        return null;
                    case "test" when exists:
                        return JsonNode.DeepEquals(o[last], value) ? null : $"is {o[last]?.ToJsonString()}, not {value?.ToJsonString()}";
                    case "add" or "replace" or "remove" or "test":
                        return $"'{last}' does not exist";
                }

                break;
            case JsonArray a:
                var append = op == "add" && last == "-";
                if (!append && !(int.TryParse(last, CultureInfo.InvariantCulture, out var index) && index >= 0 && index < a.Count + (op == "add" ? 1 : 0)))
                {
                    return $"index '{last}' is outside the array of {a.Count}";
                }

                index = append ? a.Count : int.Parse(last, CultureInfo.InvariantCulture);
                switch (op)
                {
                    case "add":
                        a.Insert(index, value?.DeepClone());
                        return null;
                    case "replace":
                        a[index] = value?.DeepClone();
                        return null;
                    case "remove":
                        a.RemoveAt(index);
                        return null;
                    case "test":
                        return JsonNode.DeepEquals(a[index], value) ? null : $"is {a[index]?.ToJsonString()}, not {value?.ToJsonString()}";
                }

                break;
        }

        return $"op '{op}' is not one kustomize applies here";
    }

    // YAML as JSON, with YAML's scalar types: a plain 5432 is a number, true a boolean, a quoted "5432" a string.
    public static JsonNode? FromYaml(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(Convert)]),
        YamlScalarNode { Style: ScalarStyle.Plain } plain => plain.Value switch
        {
            null or "null" or "~" or "" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            var v when long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
            var v => JsonValue.Create(v),
        },
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => null,
    };
}
