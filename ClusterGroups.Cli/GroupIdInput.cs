using System.Text.Json;

namespace ClusterGroups.Cli;

// Group ids as the user gives them: plain ("1"), in the seed's form ('{"groupId": "1"}'), or a file of them.
// The id rule itself is the Api's to apply: an id it refuses comes back as a 400 (exit 2), and no node is touched.
public static class GroupIdInput
{
    public static string Parse(string argument)
    {
        var text = argument.Trim();
        if (!text.StartsWith('{'))
        {
            return argument;
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.TryGetProperty("groupId", out var id) && id.ValueKind == JsonValueKind.String)
            {
                return id.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        throw new CliException(ExitCode.Usage, $"'{argument}' is not of the form {{\"groupId\": \"<id>\"}}.");
    }

    /// <summary>Ids from a file, one a line (either form); blank lines and lines starting with '#' are skipped.</summary>
    public static IReadOnlyList<string> FromLines(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(Parse)];

    public static IReadOnlyList<string> FromFile(string path, TextReader standardInput)
    {
        if (path == "-")
        {
            return FromLines(ReadAll(standardInput));
        }

        try
        {
            return FromLines(File.ReadLines(path).ToList());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCode.Usage, $"Cannot read '{path}': {e.Message.TrimEnd('.')}.");
        }
    }

    private static IEnumerable<string> ReadAll(TextReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }
}
