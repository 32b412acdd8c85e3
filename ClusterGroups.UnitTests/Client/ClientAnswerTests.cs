using System.Net.Sockets;
using ClusterGroups.Client;
using ClusterGroups.Contracts;
using ClusterGroups.UnitTests.Cli;
using Microsoft.Extensions.Time.Testing;

using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.UnitTests.Client;

// Every answer of the Api as the client returns it: an outcome is a report, a refusal a typed exception (README,
// "Calling it from .NET"). One try per call here; the retries are ClientRetryTests'.
public class ClientAnswerTests
{
    private static readonly HttpMethod Post = HttpMethod.Post;
    private static readonly HttpMethod Delete = HttpMethod.Delete;
    private const string Problem = "application/problem+json";

    [Fact]
    public async Task A_committed_create_is_its_report_with_every_node()
    {
        var api = new FakeApi().On(Post, "/v1/group/", 201, FakeApi.Report("g1", Outcome.Committed));

        var report = await TestClients.Plain(api).CreateAsync("g1");

        Assert.Equal(Outcome.Committed, report.Outcome);
        Assert.Equal(["node1", "node2", "node3"], report.Nodes.Select(n => n.Node));
        Assert.All(report.Nodes, n => Assert.Equal(201, n.Calls.Single().Call.Status));
        var sent = Assert.Single(api.Received);
        Assert.Equal("""{"groupId":"g1"}""", sent.Body);
        Assert.Equal(16, sent.Request.Content!.Headers.ContentLength);
    }

    [Theory]
    [InlineData("create", 201, Outcome.Committed, false)]
    [InlineData("delete", 200, Outcome.Committed, false)]
    [InlineData("create", 409, Outcome.AlreadySo, true)]
    [InlineData("delete", 404, Outcome.AlreadySo, true)]
    [InlineData("create", 503, Outcome.RolledBack, true)]
    [InlineData("delete", 503, Outcome.RolledBack, true)]
    [InlineData("create", 202, Outcome.PendingRepair, false)]
    public async Task An_outcome_is_an_answer_whatever_its_status(string kind, int status, Outcome outcome, bool problem)
    {
        var report = FakeApi.Report("g1", outcome, kind == "create" ? OperationKind.Create : OperationKind.Delete, "what happened");
        var api = new FakeApi().On(kind == "create" ? Post : Delete, "/v1/group/", status,
            problem ? FakeApi.Problem(report, status, "t") : report, problem ? Problem : "application/json");
        var client = TestClients.Plain(api);

        var answer = kind == "create" ? await client.CreateAsync("g1") : await client.DeleteAsync("g1");

        Assert.Equal(outcome, answer.Outcome);
        Assert.Equal("what happened", answer.Summary);
        Assert.Equal("op-0123", answer.OperationId);
    }

    public static TheoryData<int, string, string, int?, Type> Refusals() => new()
    {
        { 400, FakeApi.PlainProblem(400, "Bad request", "groupId is invalid: 1-128 characters."), Problem, null, typeof(InvalidRequestException) },
        { 401, "", "text/plain", null, typeof(ApiKeyRefusedException) },
        { 403, FakeApi.PlainProblem(403, "Forbidden", "This needs the write role."), Problem, null, typeof(RoleRequiredException) },
        { 429, FakeApi.PlainProblem(429, "Too many requests", "Slow down."), Problem, 3, typeof(RateLimitedException) },
        { 503, TestClients.ProblemWith(503, "Group busy", "Another operation on 'g1' did not finish in time.", new { outcome = "Busy" }), Problem, 1, typeof(GroupBusyException) },
        { 503, TestClients.ProblemWith(503, "Coordinator unavailable", "The coordinator store is unreachable.", new { operationId = "op-9" }), Problem, 2, typeof(ApiUnavailableException) },
        { 409, TestClients.ProblemWith(409, "In progress", "An earlier request with this key is running.", new { operationId = "op-7", outcome = "Running" }), Problem, null, typeof(OperationInProgressException) },
        { 422, TestClients.ProblemWith(422, "Key reused", "The key was used for create of 'g2'.", new { operationId = "op-5" }), Problem, null, typeof(IdempotencyKeyReusedException) },
        { 504, TestClients.ProblemWith(504, "Deadline passed", "The request's deadline passed before it could start; nothing was done."), Problem, null, typeof(DeadlineExceededException) },
        { 504, "<html>gateway timeout</html>", "text/html", null, typeof(ApiUnavailableException) },
        { 500, FakeApi.PlainProblem(500, "Error", "Something broke."), Problem, null, typeof(ApiUnavailableException) },
        { 201, "<html>hello</html>", "text/html", null, typeof(UnexpectedAnswerException) },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refusal_is_its_typed_exception_with_the_writes_key(int status, string body, string contentType, int? retryAfter, Type expected)
    {
        var api = new FakeApi().On(Post, "/v1/group/", _ => FakeApi.Answer(status, body, contentType,
            retryAfter is { } s ? TimeSpan.FromSeconds(s) : null));

        var error = await Assert.ThrowsAnyAsync<ClusterGroupsException>(() => TestClients.Plain(api).CreateAsync("g1"));

        Assert.IsType(expected, error);
        Assert.Equal(api.Received.Single().Request.Header(ApiHeaders.IdempotencyKey), error.IdempotencyKey);
        Assert.Equal("POST /v1/group/", error.Request);
        if (error is ApiRefusedException refused)
        {
            Assert.Equal(status, (int)refused.StatusCode);
            Assert.Equal(retryAfter is { } s ? TimeSpan.FromSeconds(s) : null, refused.RetryAfter);
        }

        switch (error)
        {
            case InvalidRequestException:
                Assert.Equal("The Api refused the input: groupId is invalid: 1-128 characters.", error.Message);
                break;
            case ApiUnavailableException unavailable when status == 503:
                Assert.Equal("op-9", unavailable.OperationId);
                break;
            case OperationInProgressException running:
                Assert.Equal("op-7", running.OperationId);
                break;
            case IdempotencyKeyReusedException reused:
                Assert.Equal("op-5", reused.OperationId);
                break;
        }
    }

    [Fact]
    public async Task A_refused_connection_is_unreachable_and_names_the_key_to_send_again_with()
    {
        var api = new FakeApi().Throw(Post, "/v1/group/", new HttpRequestException(HttpRequestError.ConnectionError,
            "Connection refused (localhost:5080)", new SocketException((int)SocketError.ConnectionRefused)));

        var error = await Assert.ThrowsAsync<ApiUnreachableException>(() => TestClients.Plain(api).CreateAsync("g1", new WriteOptions { IdempotencyKey = "mine-1" }));

        Assert.Equal("Cannot reach the Api at http://localhost:5080/: connection refused.", error.Message);
        Assert.Equal("mine-1", error.IdempotencyKey);
    }

    [Fact]
    public async Task No_answer_within_the_calls_timeout_is_a_timeout_that_names_the_key()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-04T10:15:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var held = new HoldingApi();
        var client = new ClusterGroupsClient(new HttpClient(held), new ClusterGroupsClientOptions { BaseAddress = TestClients.Address, Timeout = TimeSpan.FromSeconds(5) }, time);

        var call = client.CreateAsync("g1");
        await held.Arrived.Task.WaitAsync(Wait.Request);
        time.Advance(TimeSpan.FromSeconds(5));
        var error = await Assert.ThrowsAsync<ApiTimeoutException>(() => call.WaitAsync(Wait.Request));

        Assert.Equal(TimeSpan.FromSeconds(5), error.Timeout);
        Assert.Equal(held.Key, error.IdempotencyKey);
        Assert.Contains("did not answer POST /v1/group/ within 5 s", error.Message);
    }

    [Fact]
    public async Task A_group_or_operation_the_api_does_not_know_is_null_and_a_missing_route_an_error()
    {
        var api = new FakeApi()
            .On(HttpMethod.Get, "/v1/group/nope/", 404, FakeApi.PlainProblem(404, "Not found", "'nope' is on no reachable node."), Problem)
            .On(HttpMethod.Get, "/v1/operations/op-x", 404, FakeApi.PlainProblem(404, "Not found", "No operation 'op-x' is known."), Problem);
        var client = TestClients.Plain(api);

        Assert.Null(await client.GetAsync("nope"));
        Assert.Null(await client.GetOperationAsync("op-x"));
        var missing = await Assert.ThrowsAsync<ApiRefusedException>(() => client.GetConsistencyAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Listing_walks_every_page_by_its_cursor()
    {
        static string Page(string next, params string[] ids) =>
            $$"""{"consistent":true,"groups":[{{string.Join(",", ids.Select(i => $$"""{"groupId":"{{i}}","presentOn":["node1"],"missingOn":[]}"""))}}],"unreachable":[],"next":{{next}}}""";
        var api = new FakeApi()
            .On(HttpMethod.Get, "/v1/groups?cursor=3&limit=2", 200, Page("\"9\"", "c", "d"))
            .On(HttpMethod.Get, "/v1/groups?cursor=9&limit=2", 200, Page("null", "e"))
            .On(HttpMethod.Get, "/v1/groups?limit=2", 200, Page("\"3\"", "a", "b"));

        var ids = new List<string>();
        await foreach (var group in TestClients.Plain(api).ListAllAsync(pageSize: 2))
        {
            ids.Add(group.GroupId);
        }

        Assert.Equal(["a", "b", "c", "d", "e"], ids);
        Assert.Equal(3, api.Received.Count);
    }

    [Fact]
    public async Task Operations_are_searched_with_every_filter_in_the_query()
    {
        var api = new FakeApi().On(HttpMethod.Get, "/v1/operations", 200, """{"operations":[],"next":null}""");

        await TestClients.Plain(api).ListOperationsAsync(new OperationQuery
        {
            Limit = 50, OpenOnly = true, GroupId = "g 1", Outcome = Outcome.PendingRepair, Since = "1h", Caller = "ops team", Cursor = "12.op-1",
        });

        Assert.Equal("/v1/operations?limit=50&state=open&groupId=g%201&outcome=PendingRepair&since=1h&caller=ops%20team&cursor=12.op-1",
            api.Received.Single().Request.RequestUri!.PathAndQuery);
    }
}
