using System.Net.Http.Headers;
using ClusterGroups.Contracts;
using Microsoft.AspNetCore.Http;

namespace ClusterGroups.Tests.Infrastructure.Proxy;

/// <summary>A request as the proxy received it, read whole: it can be held past its caller's patience and sent twice.</summary>
public sealed record ProxyRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string[]> Headers, byte[] Body, DateTimeOffset ArrivedAt)
{
    public bool IsWrite => Method is "POST" or "DELETE" or "PUT" or "PATCH";

    public string? IdempotencyKey => Header(ApiHeaders.IdempotencyKey);

    /// <summary>The request's Request-Deadline as sent, when it has one.</summary>
    public DateTimeOffset? Deadline => Header(ApiHeaders.RequestDeadline) is { } value
        ? DateTimeOffset.Parse(value, System.Globalization.CultureInfo.InvariantCulture)
        : null;

    public string? Header(string name) => Headers.TryGetValue(name, out var values) ? values.FirstOrDefault() : null;

    public static async Task<ProxyRequest> ReadAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body).WaitAsync(Wait.Request);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.Select(v => v ?? "").ToArray(), StringComparer.OrdinalIgnoreCase);
        return new ProxyRequest(request.Method, $"{request.Path}{request.QueryString}", headers, body.ToArray(), DateTimeOffset.UtcNow);
    }

    /// <summary>A copy for <paramref name="replica"/>: the same method, path, headers (less <paramref name="skip"/>) and body.</summary>
    public HttpRequestMessage ToMessage(Uri replica, IReadOnlySet<string> skip)
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), new Uri(replica, PathAndQuery));
        if (Body.Length > 0)
        {
            message.Content = new ByteArrayContent(Body);
        }

        foreach (var (name, values) in Headers.Where(h => !skip.Contains(h.Key)))
        {
            if (!message.Headers.TryAddWithoutValidation(name, values) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        return message;
    }
}
