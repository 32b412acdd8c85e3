using System.Globalization;
using System.Net;
using System.Text.Json;

namespace ClusterGroups.Client;

/// <summary>One answer of the Api as it came back: what was asked, the status, the body and what the client reads from its headers.</summary>
/// <param name="Request">The request, as method and path (<c>POST /v1/group/</c>).</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Body">The body as it came.</param>
/// <param name="MediaType">The body's media type (<c>application/json</c>, <c>application/problem+json</c>).</param>
/// <param name="RetryAfter">The <c>Retry-After</c> header, as a wait.</param>
/// <param name="IdempotencyKey">The write's <c>Idempotency-Key</c>; null for reads.</param>
public sealed record ApiAnswer(string Request, HttpStatusCode Status, string Body, string? MediaType, TimeSpan? RetryAfter, string? IdempotencyKey)
{
    /// <summary>The media type of the Api's error answers (RFC 9457).</summary>
    public const string ProblemMediaType = "application/problem+json";

    private ApiProblem? _problem;
    private bool _problemRead;

    /// <summary>The body as problem+json, when it is JSON.</summary>
    public ApiProblem? Problem
    {
        get
        {
            if (!_problemRead)
            {
                _problem = TryRead(ClientJson.Default.ApiProblem);
                _problemRead = true;
            }

            return _problem;
        }
    }

    /// <summary>What the Api said went wrong: the problem's detail, else its title, else the status.</summary>
    public string Reason => ReasonOf(Problem, Status);

    /// <summary>Whether the status is 2xx.</summary>
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    internal bool IsProblem => string.Equals(MediaType, ProblemMediaType, StringComparison.OrdinalIgnoreCase);

    internal string RetryAfterText => RetryAfter is { } wait ? $"{wait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s" : "a moment";

    internal static string ReasonOf(ApiProblem? problem, HttpStatusCode status) =>
        (problem?.Detail ?? problem?.Title) is { Length: > 0 } text ? text.TrimEnd('.') : $"{(int)status} {status}";

    /// <summary>
    /// The body as an operation report, only where it is one (its id, outcome, summary and nodes present): a success
    /// carries the report as its body, a failure (problem+json) as its extension members; a plain problem is none.
    /// </summary>
    internal OperationReport? TryReadReport() =>
        TryRead(ClientJson.Default.OperationReport) is { OperationId: not null, Summary: not null, Nodes: not null } report ? report : null;

    internal T? TryRead<T>(System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return string.IsNullOrWhiteSpace(Body) ? null : JsonSerializer.Deserialize(Body, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal T Read<T>(System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class =>
        TryRead(type) ?? throw new UnexpectedAnswerException(this);
}
