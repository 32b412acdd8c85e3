using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ClusterGroups.Api.Model;
using ClusterGroups.Contracts;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ClusterGroups.Api.Nodes;

// The node contract (INodeClient) spoken over HTTP: the write path through the "nodes" client (adaptive timeout,
// breaker per node, no retry of a POST or DELETE), reads of lists and digests through "node-reads".
public sealed class NodeClient(IHttpClientFactory httpClientFactory, NodeLatency latency, TimeProvider time) : INodeClient, INodeBatchClient
{
    public const string HttpClientName = "nodes";

    // Reads of lists, digests and buckets: their own client and timeout (Cluster:Resilience:ListTimeout), and their
    // durations stay out of NodeLatency, which sets the write path's adaptive timeout.
    public const string ReadsClientName = "node-reads";

    // The per-attempt timeout of one read, for the reads client's timeout generator (size-aware for whole lists).
    public static readonly HttpRequestOptionsKey<TimeSpan> ReadTimeoutKey = new("clustergroups.read-timeout");

    public Task<NodeCall> CreateAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct) =>
        WriteAsync(node, HttpMethod.Post, groupId, idempotencyKey, token, ct);

    public Task<NodeCall> DeleteAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct) =>
        WriteAsync(node, HttpMethod.Delete, groupId, idempotencyKey, token, ct);

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
        }, ct, async reply => answer = await reply.JsonAsync<AbortAnswer>(ct));
        return Aborted(call, answer);
    }

    private static NodeCall Aborted(NodeCall call, AbortAnswer? answer) => call with { AbortOutcome = answer?.Outcome };

    private static NodeCall TakenOver(NodeCall call, TakeOverAnswer? answer) => answer is null
        ? call
        : call with { Present = answer.Present, WrittenBy = answer.WrittenBy, ApplyRecord = answer.Apply, UndoRecord = answer.Undo };

    public async Task<NodeCall> TakeOverAsync(ClusterNode node, string groupId, string applyKey, string undoKey, long token, CancellationToken ct)
    {
        TakeOverAnswer? answer = null;
        var call = await SendAsync(node, "takeover", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post,
                new Uri(node.BaseAddress, $"/v1/group/{Uri.EscapeDataString(groupId)}/takeover"));
            request.Headers.Add(NodeHeaders.IdempotencyKey, applyKey);
            request.Headers.Add(NodeHeaders.UndoKey, undoKey);
            request.Headers.Add(NodeHeaders.FencingToken, token.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return request;
        }, ct, async reply => answer = await reply.JsonAsync<TakeOverAnswer>(ct));
        return TakenOver(call, answer);
    }

    // POST /v1/groups/batch: the items' calls, each read from its item's answer exactly as its single call's answer is
    // read (status, headers, body); null with the batch's own call when the node did not answer the batch with one
    // answer per item. The batch's duration stays out of NodeLatency: BatchingNodeClient records what each caller
    // waited, as a single call records its own.
    public async Task<(IReadOnlyList<NodeCall>? Items, NodeCall Call)> BatchAsync(
        ClusterNode node, IReadOnlyList<NodeBatchItem> items, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new NodeBatchRequest(items), JsonSerializerOptions.Web);
        NodeBatchResponse? batch = null;
        var call = await SendAsync(node, "batch", () =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return new HttpRequestMessage(HttpMethod.Post, new Uri(node.BaseAddress, NodeBatch.Route)) { Content = content };
        }, ct, async answer => batch = await answer.JsonAsync<NodeBatchResponse>(ct), recordLatency: false);
        if (call.Status is not 200 || batch?.Items is not { } answers || answers.Count != items.Count)
        {
            return (null, call);
        }

        var calls = new NodeCall[items.Count];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = await ItemCallAsync(items[i], answers[i], call, ct);
        }

        return (calls, call);
    }

    // One item's answer, read by the single call's code (ReadAnswerAsync) where it lies in the batch's answer.
    private static async Task<NodeCall> ItemCallAsync(NodeBatchItem item, NodeBatchAnswer answer, NodeCall batch, CancellationToken ct)
    {
        var reading = new BatchItemAnswer(answer, batch.KeysHonoured);
        try
        {
            switch (item.Kind)
            {
                case NodeBatch.Abort:
                    AbortAnswer? aborted = null;
                    return Aborted(await ReadAnswerAsync(item.Kind, reading, batch.DurationMs, ct,
                        async a => aborted = await a.JsonAsync<AbortAnswer>(ct)), aborted);
                case NodeBatch.TakeOver:
                    TakeOverAnswer? taken = null;
                    return TakenOver(await ReadAnswerAsync(item.Kind, reading, batch.DurationMs, ct,
                        async a => taken = await a.JsonAsync<TakeOverAnswer>(ct)), taken);
                default:
                    return await ReadAnswerAsync(item.Kind, reading, batch.DurationMs, ct);
            }
        }
        catch (JsonException)
        {
            return new NodeCall(item.Kind, null, CallError.Other, "the node's answer was not the expected JSON", batch.DurationMs);
        }
    }

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

    private static string? WrittenBy(NodeAnswer answer) =>
        answer.Header(NodeHeaders.CreatedBy) ?? answer.Header(NodeHeaders.DeletedBy);

    public async Task<(NodeDigest? Digest, NodeCall Call)> DigestAsync(ClusterNode node, TimeSpan timeout, CancellationToken ct)
    {
        NodeDigest? digest = null;
        var call = await SendAsync(node, "digest", () => Read(node, "/v1/digest", timeout), ct,
            async answer => digest = await answer.JsonAsync<NodeDigest>(ct), reads: true);
        return (digest is { BucketCount: GroupBuckets.Count } && digest.Counts.Count == GroupBuckets.Count
            && digest.Hashes.Count == GroupBuckets.Count ? digest : null, call);
    }

    public async Task<(NodeBucket? Bucket, NodeCall Call)> BucketAsync(ClusterNode node, int bucket, TimeSpan timeout, CancellationToken ct)
    {
        NodeBucket? ids = null;
        var call = await SendAsync(node, "bucket", () => Read(node, $"/v1/digest/{bucket}", timeout), ct,
            async answer => ids = await answer.JsonAsync<NodeBucket>(ct), reads: true);
        return (ids, call);
    }

    public async Task<(NodeGroupPage? Page, NodeCall Call)> PageAsync(
        ClusterNode node, string cursor, int limit, TimeSpan timeout, CancellationToken ct)
    {
        NodeGroupPage? page = null;
        var call = await SendAsync(node, "list", () => Read(node, $"/v1/groups?cursor={Uri.EscapeDataString(cursor)}&limit={limit}", timeout), ct,
            async answer => page = await answer.JsonAsync<NodeGroupPage>(ct), reads: true);
        return (page, call);
    }

    public async Task<(NodeGroupList? Groups, NodeCall Call)> ListAsync(ClusterNode node, TimeSpan timeout, CancellationToken ct)
    {
        NodeGroupList? groups = null;
        var call = await SendAsync(node, "list", () => Read(node, "/v1/groups", timeout), ct,
            async answer => groups = await answer.JsonAsync<NodeGroupList>(ct), reads: true);
        return (groups, call);
    }

    private static HttpRequestMessage Read(ClusterNode node, string path, TimeSpan timeout)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.BaseAddress, path));
        request.Options.Set(ReadTimeoutKey, timeout);
        return request;
    }

    public async Task<(NodeInfo? Info, NodeCall Call)> InfoAsync(ClusterNode node, CancellationToken ct)
    {
        NodeInfo? info = null;
        var call = await SendAsync(node, "info", () => new HttpRequestMessage(HttpMethod.Get, node.BaseAddress), ct,
            async answer => info = await answer.JsonAsync<NodeInfo>(ct));
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
        Func<NodeAnswer, Task>? readSuccess = null, bool reads = false, bool recordLatency = true)
    {
        recordLatency &= !reads;
        var started = time.GetTimestamp();
        double Elapsed() => time.GetElapsedTime(started).TotalMilliseconds;
        var client = httpClientFactory.CreateClient(reads ? ReadsClientName : HttpClientName);
        try
        {
            using var request = createRequest();
            request.Options.Set(NodeLatency.NodeKey, node.Name);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            if (recordLatency)
            {
                latency.Record(node.Name, Elapsed());
            }

            return await ReadAnswerAsync(what, new HttpNodeAnswer(response), Elapsed(), ct, readSuccess);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && Classify(e) is { } error)
        {
            if (error.Kind == CallError.Timeout && recordLatency)
            {
                latency.Record(node.Name, Elapsed());
            }

            return new NodeCall(what, null, error.Kind, error.Detail, Elapsed());
        }
    }

    // X-Fenced: the highest fencing token the node has seen for the group (absent or unreadable: not said).
    private static long? SeenToken(NodeAnswer answer) =>
        long.TryParse(answer.Header(NodeHeaders.Fenced), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seen)
            ? seen
            : null;

    // What an answer says, as the protocol reads it (a single call's, or one item's of a batch).
    private static async Task<NodeCall> ReadAnswerAsync(
        string what, NodeAnswer answer, double elapsed, CancellationToken ct, Func<NodeAnswer, Task>? readSuccess = null)
    {
        string? detail = null, code = null;
        if (answer.IsSuccess && readSuccess is not null)
        {
            await readSuccess(answer);
        }
        else if (!answer.IsSuccess)
        {
            (detail, code) = await ReadProblemAsync(answer, ct);
        }

        return new NodeCall(what, answer.Status, null, detail, elapsed,
            KeysHonoured: answer.Has(NodeHeaders.IdempotencySupported),
            Code: code,
            Replayed: answer.Has(NodeHeaders.IdempotentReplay),
            RetryAfter: answer.RetryAfter,
            WrittenBy: WrittenBy(answer),
            Fenced: answer.Has(NodeHeaders.Fenced),
            SeenToken: SeenToken(answer),
            WriteAborted: answer.Has(NodeHeaders.WriteAborted));
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

    // Keeps the node's own explanation short (a problem+json "detail" when there is one), and its "code" if any.
    private static async Task<(string? Detail, string? Code)> ReadProblemAsync(NodeAnswer answer, CancellationToken ct)
    {
        var text = await answer.TextAsync(ct);
        if (answer.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                using var json = JsonDocument.Parse(text);
                if (json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.TryGetProperty("detail", out var detail)
                    && detail.ValueKind == JsonValueKind.String)
                {
                    var code = json.RootElement.TryGetProperty(NodeCodes.Property, out var c) && c.ValueKind == JsonValueKind.String
                        ? c.GetString()
                        : null;
                    return (detail.GetString(), code);
                }
            }
            catch (JsonException)
            {
            }
        }

        return (text.Length > 200 ? text[..200] : (text.Length == 0 ? answer.ReasonPhrase : text), null);
    }
}
