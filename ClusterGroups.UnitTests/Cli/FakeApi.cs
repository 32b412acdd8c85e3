using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.UnitTests.Cli;

// A scripted Api for the CLI's and the client's tests: answers by method and path (a route may answer each of its
// requests differently, in order), records what it was sent and when (by the test's clock, if it gives one).
// The CLI sends batch requests concurrently, so what was received is kept in a thread-safe queue (a List lost
// requests here once: "expected s1 and s2, received only s2"). Address is the URI as it arrived (a handler such as
// service discovery's puts the request's own back when the answer is in); routes are set up before the requests and only read
// after, and a route's count of requests is atomic.
public sealed class FakeApi(TimeProvider? clock = null) : HttpMessageHandler
{
    private readonly ConcurrentQueue<(HttpRequestMessage Request, string? Body, DateTimeOffset At, Uri Address)> _received = new();
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentQueue<Route> _routes = new();

    public IReadOnlyList<(HttpRequestMessage Request, string? Body, DateTimeOffset At, Uri Address)> Received => [.. _received];

    public FakeApi On(HttpMethod method, string path, int status, string? json, string contentType = "application/json") =>
        On(method, path, _ => Answer(status, json, contentType));

    // Answer n (0-based) of the route; the last one repeats.
    public FakeApi On(HttpMethod method, string path, params Func<HttpRequestMessage, HttpResponseMessage>[] answers)
    {
        _routes.Enqueue(new Route(method, path, answers));
        return this;
    }

    public FakeApi Throw(HttpMethod method, string path, Exception error) => On(method, path, _ => throw error);

    public static HttpResponseMessage Answer(int status, string? json, string contentType = "application/json", TimeSpan? retryAfter = null)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(json ?? "", Encoding.UTF8, contentType) };
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(wait);
        }

        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        _received.Enqueue((request, request.Content is null ? null : await request.Content.ReadAsStringAsync(ct), (clock ?? TimeProvider.System).GetUtcNow(), request.RequestUri!));
        var path = request.RequestUri!.PathAndQuery;
        foreach (var route in _routes)
        {
            if (route.Method == request.Method && (route.Path == path || route.Path == request.RequestUri.AbsolutePath))
            {
                return route.Next(request);
            }
        }

        return new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("") };
    }

    private sealed class Route(HttpMethod method, string path, Func<HttpRequestMessage, HttpResponseMessage>[] answers)
    {
        private int _count;

        public HttpMethod Method => method;

        public string Path => path;

        public HttpResponseMessage Next(HttpRequestMessage request) =>
            answers[Math.Min(Interlocked.Increment(ref _count) - 1, answers.Length - 1)](request);
    }

    // An operation report serialized from the Api's own answer type, so the client is tested against the real shape.
    public static string Report(string groupId, Outcome outcome, OperationKind kind = OperationKind.Create,
        string summary = "created on 3 of 3 nodes", NodeReport[]? nodes = null, string operationId = "op-0123") =>
        JsonSerializer.Serialize(new OperationReport(operationId, kind, groupId, outcome, summary, DateTimeOffset.UtcNow,
            DateTimeOffset.UtcNow, 12.5, null, 0, [.. nodes ?? [Node("node1"), Node("node2"), Node("node3")]]), Web);

    // problem+json as OperationResults writes it: the report's fields as extension members.
    public static string Problem(string reportJson, int status, string title)
    {
        var body = JsonNode.Parse(reportJson)!.AsObject();
        body["type"] = "https://tools.ietf.org/html/rfc9110";
        body["title"] = title;
        body["status"] = status;
        body["detail"] = body["summary"]!.GetValue<string>();
        return body.ToJsonString();
    }

    public static string PlainProblem(int status, string title, string detail) =>
        JsonSerializer.Serialize(new { type = "about:blank", title, status, detail });

    public static NodeReport Node(string name, NodeEffect effect = NodeEffect.Applied,
        CompensationState compensation = CompensationState.NotNeeded, string action = "created",
        params (Phase Phase, CallAnswer Call)[] calls)
    {
        var recorded = calls.Length == 0 ? [(Phase.Apply, new CallAnswer("create", 201, null, null, 3.1))] : calls;
        return new NodeReport(name, effect, compensation, action, recorded.Length, 4.2,
            [.. recorded.Select((c, i) => new CallReport(c.Phase, i + 1, c.Call, DateTimeOffset.UtcNow))]);
    }
}
