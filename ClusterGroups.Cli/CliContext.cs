using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterGroups.Client;
using Spectre.Console;

namespace ClusterGroups.Cli;

// One invocation: where to write, how (--json, --verbose), and the Api's client (ClusterGroups.Client) over one
// HttpClient, whose answers AnswerCapture keeps for --json. One try per call (no resilience handler): the operator
// sees every answer, and a refused connection is said at once.
public sealed class CliContext : IDisposable
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly JsonSerializerOptions Indented = new(Web) { WriteIndented = true };

    private readonly HttpClient _http;
    private readonly HttpMessageHandler? _network;

    private CliContext(CliHost host, bool json, bool verbose, ClusterGroupsClientOptions options)
    {
        Host = host;
        Json = json;
        Verbose = verbose;
        KeyGiven = !string.IsNullOrEmpty(options.ApiKey);
        // The host's handler (a test's scripted Api) is the host's to dispose; one made here is this context's.
        _network = host.Handler is null ? new SocketsHttpHandler() : null;
        _http = new HttpClient(new AnswerCapture(host.Handler ?? _network!), disposeHandler: false);
        Client = new ClusterGroupsClient(_http, options);
    }

    public CliHost Host { get; }

    public IAnsiConsole Out => Host.Out;

    public bool Json { get; }

    public bool Verbose { get; }

    public ClusterGroupsClient Client { get; }

    public bool KeyGiven { get; }

    public static CliContext Create(CliHost host, GlobalOptions options, ParseResult parse)
    {
        var json = parse.GetValue(options.Json);
        var verbose = parse.GetValue(options.Verbose);
        var address = parse.GetValue(options.Api) ?? host.Environment(CliHost.ApiVariable) ?? CliHost.DefaultApi;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCode.Usage, $"'{address}' is not an http(s) URL; give the Api's address with --api.");
        }

        var seconds = parse.GetValue(options.Timeout);
        if (seconds is < 1 or > 3600)
        {
            throw new CliException(ExitCode.Usage, "--timeout must be 1-3600 seconds.");
        }

        var key = parse.GetValue(options.Key) ?? host.Environment(CliHost.KeyVariable);
        return new CliContext(host, json, verbose, new ClusterGroupsClientOptions
        {
            BaseAddress = uri,
            ApiKey = string.IsNullOrEmpty(key) ? null : key,
            Timeout = TimeSpan.FromSeconds(seconds),
        });
    }

    /// <summary>One sentence on the error console, for a failure after the command's output was written.</summary>
    public ExitCode Error(ExitCode code, string message)
    {
        Host.Error.MarkupLineInterpolated($"[red]error:[/] {message}");
        return code;
    }

    /// <summary>Writes JSON unwrapped (Spectre would break long lines): the Api's body as it came, or a value.</summary>
    public void WriteJson(string raw) => Host.OutWriter.WriteLine(raw);

    public void WriteJson(object value) => Host.OutWriter.WriteLine(JsonSerializer.Serialize(value, Indented));

    public static JsonNode? ParseJson(string body)
    {
        try
        {
            return string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _network?.Dispose();
    }
}
