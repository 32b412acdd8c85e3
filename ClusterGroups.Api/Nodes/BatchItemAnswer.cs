using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Nodes;

// One item of a batch answer (status, headers, JSON body), read in place. The batch's own X-Idempotency-Supported is
// the node's on every answer, so every item has it when the batch had it. Headers are matched ignoring case, as HTTP
// headers are; the body reads as the text a response with it would carry.
public sealed class BatchItemAnswer(NodeBatchAnswer answer, bool keysHonoured) : NodeAnswer
{
    public override int Status => answer.Status;

    public override string? Header(string name)
    {
        if (keysHonoured && string.Equals(name, NodeHeaders.IdempotencySupported, StringComparison.OrdinalIgnoreCase))
        {
            return "true";
        }

        foreach (var (key, value) in answer.Headers ?? Empty)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    public override TimeSpan? RetryAfter =>
        Header("Retry-After") is { } value && RetryConditionHeaderValue.TryParse(value, out var retry) ? retry.Delta : null;

    public override string? MediaType =>
        Header("Content-Type") is { } value && MediaTypeHeaderValue.TryParse(value, out var type) ? type.MediaType : null;

    public override string? ReasonPhrase
    {
        get
        {
            using var standard = new HttpResponseMessage((HttpStatusCode)answer.Status);
            return standard.ReasonPhrase;
        }
    }

    public override Task<string> TextAsync(CancellationToken ct) =>
        Task.FromResult(answer.Body is { } json ? JsonSerializer.Serialize(json) : "");

    public override Task<T?> JsonAsync<T>(CancellationToken ct) where T : default =>
        Task.FromResult(answer.Body is { } json
            ? json.Deserialize<T>(JsonSerializerOptions.Web)
            : throw new JsonException("The answer has no body."));

    private static readonly Dictionary<string, string> Empty = [];
}
