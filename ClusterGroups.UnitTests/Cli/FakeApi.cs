using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.UnitTests.Cli;

// A scripted Api for parsing and rendering tests: answers by method and path, records what it was sent.
// The CLI sends batch requests concurrently, so what was received is kept in a thread-safe queue (a List lost
// requests here once: "expected s1 and s2, received only s2").
public sealed class FakeApi : HttpMessageHandler
{
    private readonly ConcurrentQueue<(HttpRequestMessage Request, string? Body)> _received = new();
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly List<(HttpMethod Method, string Path, Func<HttpResponseMessage> Answer)> _routes = [];

    public IReadOnlyList<(HttpRequestMessage Request, string? Body)> Received => [.. _received];

    public FakeApi On(HttpMethod method, string path, int status, string? json, string contentType = "application/json")
    {
        _routes.Add((method, path, () => new HttpResponseMessage((HttpStatusCode)status)
        {
            Content = new StringContent(json ?? "", Encoding.UTF8, contentType),
        }));
        return this;
    }

    public FakeApi Throw(HttpMethod method, string path, Exception error)
    {
        _routes.Add((method, path, () => throw error));
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        _received.Enqueue((request, request.Content is null ? null : await request.Content.ReadAsStringAsync(ct)));
        var path = request.RequestUri!.PathAndQuery;
        foreach (var route in _routes)
        {
            if (route.Method == request.Method && (route.Path == path || route.Path == request.RequestUri.AbsolutePath))
            {
                return route.Answer();
            }
        }

        return new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("") };
    }

    // An operation report serialized from the Api's own answer type, so the client is tested against the real shape.
    public static string Report(string groupId, Outcome outcome, OperationKind kind = OperationKind.Create,
        string summary = "created on 3 of 3 nodes", NodeReport[]? nodes = null) =>
        JsonSerializer.Serialize(new OperationReport("op-0123", kind, groupId, outcome, summary, DateTimeOffset.UtcNow,
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
