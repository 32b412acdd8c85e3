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

        // Read as a Dictionary when it is one (as deserialized): its enumerator is a struct, the interface's a box,
        // and a write's answer is asked for eight headers.
        return answer.Headers switch
        {
            Dictionary<string, string> headers => Find(headers, name),
            { } headers => Find(headers, name),
            null => null,
        };
    }

    private static string? Find(Dictionary<string, string> headers, string name)
    {
        foreach (var (key, value) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    private static string? Find(IReadOnlyDictionary<string, string> headers, string name) =>
        headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

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
}
