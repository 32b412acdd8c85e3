using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ClusterGroups.Api.Cluster;
using ClusterGroups.Contracts;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ClusterGroups.Api.Nodes;

// The seed's node contract, spoken over HTTP. Every call returns a NodeCall, never throws for a node's failure:
// the fan-out protocol decides what an answer means.
public sealed class NodeClient(IHttpClientFactory httpClientFactory, NodeLatency latency)
{
    public const string HttpClientName = "nodes";

    public Task<NodeCall> CreateAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct) =>
        WriteAsync(node, HttpMethod.Post, groupId, idempotencyKey, token, ct);

    public Task<NodeCall> DeleteAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct) =>
        WriteAsync(node, HttpMethod.Delete, groupId, idempotencyKey, token, ct);

    // POST /v1/group/{id}/abort: closes the door on the write with this key at this node (our nodes only); the answer
    // says what that write had done there (AbortOutcome), or that a later operation fenced this one.
    public async Task<NodeCall> AbortAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct)
    {
        AbortAnswer? answer = null;
        var call = await SendAsync(node, "abort", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post,
                new Uri(node.BaseAddress, $"/v1/group/{Uri.EscapeDataString(groupId)}/abort"));
            request.Headers.Add(NodeHeaders.IdempotencyKey, idempotencyKey);
            request.Headers.Add(NodeHeaders.FencingToken, token.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return request;
        }, ct, async response => answer = await response.Content.ReadFromJsonAsync<AbortAnswer>(ct));
        return call with { AbortOutcome = answer?.Outcome };
    }

    // GET /v1/group/{id}/ : Present is true (200), false (404), or null when the node gave no answer.
    public async Task<NodeCall> ReadAsync(ClusterNode node, string groupId, CancellationToken ct)
    {
        var call = await SendAsync(node, "read", () =>
            new HttpRequestMessage(HttpMethod.Get, new Uri(node.BaseAddress, $"/v1/group/{Uri.EscapeDataString(groupId)}/")), ct);
        return call.Status switch
        {
            200 => call with { Present = true },
            404 => call with { Present = false },
            _ => call,
        };
    }

    private static string? WrittenBy(HttpResponseMessage response) =>
        response.Headers.TryGetValues(NodeHeaders.CreatedBy, out var created) ? created.FirstOrDefault()
        : response.Headers.TryGetValues(NodeHeaders.DeletedBy, out var deleted) ? deleted.FirstOrDefault()
        : null;

    public async Task<(NodeGroupList? Groups, NodeCall Call)> ListAsync(ClusterNode node, CancellationToken ct)
    {
        NodeGroupList? groups = null;
        var call = await SendAsync(node, "list", () =>
            new HttpRequestMessage(HttpMethod.Get, new Uri(node.BaseAddress, "/v1/groups")), ct,
            async response => groups = await response.Content.ReadFromJsonAsync<NodeGroupList>(ct));
        return (groups, call);
    }

    public async Task<(NodeInfo? Info, NodeCall Call)> InfoAsync(ClusterNode node, CancellationToken ct)
    {
        NodeInfo? info = null;
        var call = await SendAsync(node, "info", () => new HttpRequestMessage(HttpMethod.Get, node.BaseAddress), ct,
            async response => info = await response.Content.ReadFromJsonAsync<NodeInfo>(ct));
        return (info, call);
    }

    // The body is sent with a Content-Length (JsonContent would send it chunked, which some servers in front of
    // nodes refuse with 411).
    private Task<NodeCall> WriteAsync(
        ClusterNode node, HttpMethod method, string groupId, string idempotencyKey, long token, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new GroupRequest(groupId));
        return SendAsync(node, method == HttpMethod.Post ? "create" : "delete", () =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            var request = new HttpRequestMessage(method, new Uri(node.BaseAddress, "/v1/group/")) { Content = content };
            request.Headers.Add(NodeHeaders.IdempotencyKey, idempotencyKey);
            request.Headers.Add(NodeHeaders.FencingToken, token.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return request;
        }, ct);
    }

    private async Task<NodeCall> SendAsync(
        ClusterNode node, string what, Func<HttpRequestMessage> createRequest, CancellationToken ct,
        Func<HttpResponseMessage, Task>? readSuccess = null)
    {
        var started = Stopwatch.GetTimestamp();
        double Elapsed() => Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var client = httpClientFactory.CreateClient(HttpClientName);
        try
        {
            using var request = createRequest();
            request.Options.Set(NodeLatency.NodeKey, node.Name);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            latency.Record(node.Name, Elapsed());
            if (response.Headers.Contains(NodeHeaders.IdempotencySupported))
            {
                node.HonoursIdempotency = true;
            }

            string? detail = null;
            if (response.IsSuccessStatusCode && readSuccess is not null)
            {
                await readSuccess(response);
            }
            else if (!response.IsSuccessStatusCode)
            {
                detail = await ReadDetailAsync(response, ct);
            }

            return new NodeCall(what, (int)response.StatusCode, null, detail, Elapsed(),
                Replayed: response.Headers.Contains(NodeHeaders.IdempotentReplay),
                RetryAfter: response.Headers.RetryAfter?.Delta,
                WrittenBy: WrittenBy(response),
                Fenced: response.Headers.Contains(NodeHeaders.Fenced),
                WriteAborted: response.Headers.Contains(NodeHeaders.WriteAborted));
        }
        catch (Exception e) when (!ct.IsCancellationRequested && Classify(e) is { } error)
        {
            if (error.Kind == CallError.Timeout)
            {
                latency.Record(node.Name, Elapsed());
            }

            return new NodeCall(what, null, error.Kind, error.Detail, Elapsed());
        }
    }

    private static (CallError Kind, string Detail)? Classify(Exception e) => e switch
    {
        TimeoutRejectedException => (CallError.Timeout, "no answer within the attempt timeout"),
        BrokenCircuitException => (CallError.CircuitOpen, "circuit open: the node failed too often recently"),
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } or
            HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } }
            => (CallError.ConnectionRefused, "connection refused"),
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }
            => (CallError.ConnectionRefused, "the node's address did not resolve"),
        HttpRequestException h => (CallError.ConnectionReset, $"connection lost ({h.HttpRequestError})"),
        TaskCanceledException or OperationCanceledException => (CallError.Timeout, "no answer in time"),
        JsonException => (CallError.Other, "the node's answer was not the expected JSON"),
        _ => null,
    };

    // Keeps the node's own explanation short; a problem+json "detail" when there is one.
    private static async Task<string?> ReadDetailAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                using var json = JsonDocument.Parse(text);
                if (json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.TryGetProperty("detail", out var detail)
                    && detail.ValueKind == JsonValueKind.String)
                {
                    return detail.GetString();
                }
            }
            catch (JsonException)
            {
            }
        }

        return text.Length > 200 ? text[..200] : (text.Length == 0 ? response.ReasonPhrase : text);
    }
}
