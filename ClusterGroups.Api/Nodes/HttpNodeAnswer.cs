using System.Net.Http.Json;

namespace ClusterGroups.Api.Nodes;

// A single call's answer: the HTTP response, its body read to the end already (ResponseContentRead).
public sealed class HttpNodeAnswer(HttpResponseMessage response) : NodeAnswer
{
    public override int Status => (int)response.StatusCode;

    public override string? Header(string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() ?? "" : null;

    public override TimeSpan? RetryAfter => response.Headers.RetryAfter?.Delta;

    public override string? MediaType => response.Content.Headers.ContentType?.MediaType;

    public override string? ReasonPhrase => response.ReasonPhrase;

    public override Task<string> TextAsync(CancellationToken ct) => response.Content.ReadAsStringAsync(ct);

    public override Task<T?> JsonAsync<T>(CancellationToken ct) where T : default => response.Content.ReadFromJsonAsync<T>(ct);
}
