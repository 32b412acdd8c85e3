using System.Net;
using System.Text.Json;

namespace ClusterGroups.Cli;

// One answer of the Api as it came back: status and body (kept verbatim for --json).
public sealed record ApiAnswer(HttpStatusCode Status, string Body, string Request)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public int Code => (int)Status;

    public bool IsSuccess => Code is >= 200 and < 300;

    /// <summary>The body as <typeparamref name="T"/>; an answer that is not that JSON is an Api error.</summary>
    public T Read<T>() where T : class =>
        TryRead<T>() ?? throw new CliException(ExitCode.ApiError,
            $"The answer to {Request} ({Code}) is not the JSON the ClusterGroups Api sends; is this the Api's address?",
            Body.Length > 300 ? Body[..300] + "…" : Body);

    // An operation report only where the body is one (every field of it present): a plain problem+json (400, a busy
    // group) must not read as a report with default values.
    private static readonly JsonSerializerOptions ReportJson = new(Json) { RespectRequiredConstructorParameters = true };

    public OperationReport? TryReadReport() => TryRead<OperationReport>(ReportJson);

    public T? TryRead<T>(JsonSerializerOptions? options = null) where T : class
    {
        try
        {
            return string.IsNullOrWhiteSpace(Body) ? null : JsonSerializer.Deserialize<T>(Body, options ?? Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What the Api said went wrong, from its problem+json (detail, else title), else the status.</summary>
    public string Reason =>
        TryRead<ProblemDetails>() is { } p && (p.Detail ?? p.Title) is { Length: > 0 } text
            ? text.TrimEnd('.')
            : $"{Code} {Status}";

    /// <summary>The failure this answer stands for when it is not one the command knows how to show.</summary>
    public CliException Failure(bool keyGiven) => Code switch
    {
        400 => new CliException(ExitCode.Usage, $"The Api refused the input: {Reason}."),
        401 or 403 => new CliException(ExitCode.Unauthorized, keyGiven
            ? $"The Api refused the key ({Code} {Status}); check --key or CLUSTERGROUPS_KEY."
            : $"The Api wants a key ({Code} {Status}); pass --key or set CLUSTERGROUPS_KEY."),
        _ => new CliException(ExitCode.ApiError, $"The Api answered {Request} with {Code} {Status}: {Reason}.", Body),
    };
}
